# One image for the API and the worker (the command picks which).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false && npm install --no-save tsx@4
COPY tsconfig.json ./
COPY config ./config
COPY domain ./domain
COPY ai ./ai
COPY db ./db
COPY activities ./activities
COPY workflows ./workflows
COPY workers ./workers
COPY api ./api
COPY models ./models
COPY data ./data
USER node
ENV NODE_ENV=production
CMD ["npx", "tsx", "api/main.ts"]
