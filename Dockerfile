# One image for the API and the worker (the compose file's command picks which).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm install --no-save tsx@4
COPY . .
# Workers load this instead of bundling at start (bundling leaves webpack's memory behind).
RUN node --import tsx scripts/bundle-workflows.ts /app/workflow-bundle.js
ENV TANDEM_WORKFLOW_BUNDLE=/app/workflow-bundle.js
USER node
ENV NODE_ENV=production
# Two glibc malloc arenas, not one per thread: with 1,000 open conversations the worker stays at
# 331-386 MB resident instead of 411 MB (bench/RESULTS.md).
ENV MALLOC_ARENA_MAX=2
CMD ["node", "--import", "tsx", "api/main.ts"]
