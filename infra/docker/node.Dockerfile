# syntax=docker/dockerfile:1
#
# One image recipe for the three Node services (broker, monitor, simulator):
# they share the workspace, its lockfile and the @aed/core package, and run
# their TypeScript with tsx, so there is no compile step. Build one service
# with --target broker|monitor|simulator (docker-compose.yml does).

# Node LTS line; bump together with engines in package.json.
ARG NODE_VERSION=26

# --- dependencies: production packages only, from the lockfile --------------
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
# Only the manifests, so this layer is rebuilt when dependencies change, not on every code edit.
COPY package.json package-lock.json ./
COPY services/core/package.json services/core/
COPY services/broker/package.json services/broker/
COPY services/monitor/package.json services/monitor/
COPY firmware-sim/package.json firmware-sim/
COPY dashboards/package.json dashboards/
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# --- runtime: sources and node_modules, as the unprivileged `node` user -----
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
WORKDIR /app
# Workspace links in node_modules/@aed point at ../../services/…, which the COPYs below recreate.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY services ./services
COPY firmware-sim ./firmware-sim
COPY infra/fleet ./infra/fleet
# The example people and rota; a deployment mounts its own file (docker-compose.yml).
COPY infra/alerting/example.yaml ./infra/alerting/example.yaml
# Mount points of the compose volumes; a fresh named volume takes this ownership.
RUN mkdir -p /data/credentials /data/monitor /data/broker /data/sim && chown -R node:node /data
USER node
ENV FLEET_FILE=/app/infra/fleet/pernik.yaml

# --- broker: MQTT for the cabinets ------------------------------------------
FROM runtime AS broker
ENV MQTT_PORT=1883 CREDENTIALS_FILE=/data/credentials/credentials.json BROKER_DATA_DIR=/data/broker
EXPOSE 1883
# Healthy when the MQTT listener accepts a TCP connection.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "require('node:net').connect(Number(process.env.MQTT_PORT||1883),'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))"]
CMD ["node", "--import", "tsx", "services/broker/src/main.ts"]

# --- monitor: telemetry, readiness, alerts, HTTP API -------------------------
FROM runtime AS monitor
ENV PORT=8080 CREDENTIALS_FILE=/data/credentials/credentials.json DATA_DIR=/data/monitor
EXPOSE 8080
# /healthz: the process serves HTTP. (/readyz also needs MQTT and InfluxDB; see docs/operations-compose.md.)
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--import", "tsx", "services/monitor/src/server.ts"]

# --- simulator: simulated cabinets for demos and commissioning ---------------
FROM runtime AS simulator
# Healthy while the simulator process runs (it has no port of its own).
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["node", "-e", "process.exit(require('node:fs').readFileSync('/proc/1/cmdline','utf8').includes('firmware-sim')?0:1)"]
CMD ["node", "--import", "tsx", "firmware-sim/src/cli.ts", "--help"]
