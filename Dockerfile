# The dfw server image that deploy/kubernetes/ runs. It holds the compiled TypeScript and
# the production dependencies only; the policy bundle and its public key are mounted
# (docs/kubernetes.md), so rule changes need no new image.
#
#   docker build -t registry.example.com/dfw/dfw:0.1.0 .
#
# Not built in CI (no Docker engine there). The layout it produces — `npm ci --omit=dev`,
# dist/, bin/ — is the one docs/kubernetes.md says was checked by hand.
# Both may be pinned by digest (node:20-bookworm@sha256:…).
ARG NODE_IMAGE=node:20-bookworm
ARG RUNTIME_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY docs/check-request.schema.json docs/input.schema.json ./docs/
RUN npx tsc -p tsconfig.json && npm prune --omit=dev --no-audit --no-fund

FROM ${RUNTIME_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
# The uid the Deployment runs as (runAsUser: 65532); nothing in /app is writable by it.
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["node", "/app/bin/dfw.js"]
CMD ["serve", "--config", "/etc/dfw/config/dfw.yaml"]
