# One image for every promkit exporter: `docker run <image>` serves the system exporter on :9100;
# `docker run <image> <exporter> [flags]` runs another one (`docker run <image> --help` lists them).

# Build: all dependencies, TypeScript compiled to dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
# The image has no git checkout: pass the revision, e.g. --build-arg PROMKIT_REVISION=$(git rev-parse HEAD).
ARG PROMKIT_REVISION=unknown
ARG PROMKIT_BRANCH=unknown
COPY scripts/stamp-build.mjs ./scripts/stamp-build.mjs
COPY src ./src
COPY collectors ./collectors
COPY examples ./examples
RUN npm run build

# Run: production dependencies and dist/ only, as an unprivileged user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
USER node
EXPOSE 9100 9121
# Another exporter listens elsewhere: set PROMKIT_HEALTH_URL (e.g. http://127.0.0.1:9121/healthz).
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["node", "-e", "fetch(process.env.PROMKIT_HEALTH_URL ?? 'http://127.0.0.1:9100/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/collectors/cli.js"]
CMD ["system_exporter"]
