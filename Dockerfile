# One image for both processes: `node dist/apps/api/src/main.js` or `node dist/apps/indexer/src/main.js`.
FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20.19-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./
COPY models ./models
COPY data/demo-catalog ./data/demo-catalog
USER node
EXPOSE 3000
CMD ["node", "dist/apps/api/src/main.js"]
