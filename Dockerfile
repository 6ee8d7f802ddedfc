# One image for every process: `node dist/apps/api/src/main.js` (the default), `node dist/apps/indexer/src/main.js`
# or the embedding service `node dist/apps/embedder/src/main.js`.
# Node 24 is the current LTS (Node 20 reached end of life in April 2026); the code also runs on Node 20.19+.
FROM node:24-bookworm-slim AS build
# Set by BuildKit from --platform: amd64 (the default) or arm64.
ARG TARGETARCH=amd64
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY . .
# After the build, only what runs: production dependencies, onnxruntime's native library for this image's platform
# (the package ships darwin, win32 and linux arm64/x64 builds, ~290 MB in all), and no TypeScript compiler (a
# types-only peer dependency of @qdrant/js-client-rest that npm installs anyway). `npm run build` also builds the web
# storefront into dist/web, which the API serves; the image fails to build without it.
RUN npm run build \
  && test -f dist/web/index.html \
  && npm prune --omit=dev \
  && ort_arch="$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64)" \
  && ort=node_modules/onnxruntime-node/bin/napi-v6 \
  && find "$ort" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} + \
  && find "$ort/linux" -mindepth 1 -maxdepth 1 ! -name "$ort_arch" -exec rm -rf {} + \
  && test -f "$ort/linux/$ort_arch/onnxruntime_binding.node" \
  && rm -rf node_modules/typescript

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# glibc gives every allocating thread (model workers, libvips, PGlite) its own malloc arena, and memory freed after
# boot indexing stays mapped in them: two arenas took 69-100 MiB off the embedded API's idle RSS with no visible cost
# to searches (npm run bench:memory, docs/benchmarks.md#memory-issue-16).
ENV MALLOC_ARENA_MAX=2
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./
COPY models ./models
COPY data/demo-catalog ./data/demo-catalog
USER node
EXPOSE 3000
CMD ["node", "dist/apps/api/src/main.js"]
