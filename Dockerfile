# One image for the API and the worker (the compose file's command picks which).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm install --no-save tsx@4
COPY . .
USER node
ENV NODE_ENV=production
CMD ["node", "--import", "tsx", "api/main.ts"]
