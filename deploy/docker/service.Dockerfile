# syntax=docker/dockerfile:1.7
# One image recipe for every gsdyn service. The services share one npm workspace, so one build stage compiles
# all of them; the SERVICE build argument only picks the working directory, the start command and the health
# check, so the five images share every layer but the last few (a registry stores node_modules once).
#
#   docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=gateway -t gsdyn/gateway:dev .
#   docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=tracker --target gpu -t gsdyn/tracker-gpu:dev .
#
# Targets: `runtime` (CPU; the default, last stage) and `gpu` (WebGPU over the NVIDIA driver's Vulkan ICD;
# needs the NVIDIA container toolkit on the host, see deploy/docker/README.md).
# SERVICE is one of: gateway tracker trainer renderer planner (a directory under services/).

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Only the npm manifests, at their workspace paths, so that the dependency layer below is rebuilt when a
# package.json, the lockfile or .npmrc changes and not on every source edit (BuildKit compares the copied
# content, so this stage re-running on a source change still hits the cache of the next COPY). The workspaces'
# bin scripts come along because npm ci links them.
FROM base AS manifests
COPY . /src
RUN mkdir /manifests && cd /src \
 && find . \( -name node_modules -o -name dist \) -prune -o \
      \( -name package.json -o -name package-lock.json -o -name .npmrc -o -path './*/*/bin/*' \) -type f -print \
    | xargs cp --parents -t /manifests

FROM base AS build
# The lockfile was written by npm 11; the same major installs the same tree and follows the same
# install-script rules. .npmrc (copied with the manifests) skips onnxruntime-node's CUDA download.
ARG NPM_VERSION=11.19.1
RUN npm install -g "npm@${NPM_VERSION}"
# The same switch as .npmrc's, as an environment variable: npm 11 warns that unknown .npmrc keys will stop
# being passed on in its next major version.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY . .
# `npm run build` compiles the AssemblyScript kernels and every workspace (packages and services) to dist/.
RUN npm run build \
 && npm prune --omit=dev \
 && rm -rf packages/*/test packages/*/bench services/*/test deploy/test deploy/k8s

FROM ${NODE_IMAGE} AS service
# tini as PID 1 forwards SIGTERM to node (the services drain their jobs on it) and reaps orphaned children
# (ffmpeg is spawned by the renderer).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ARG SERVICE=gateway
ENV NODE_ENV=production \
    GSDYN_SERVICE=${SERVICE}
# Owned by root and not writable by the service user: the services write only to /tmp and to the store,
# which is what lets Kubernetes run them with readOnlyRootFilesystem.
COPY --from=build /app /app
RUN test -f "/app/services/${SERVICE}/dist/main.js" \
 || (echo "unknown SERVICE '${SERVICE}': no /app/services/${SERVICE}/dist/main.js" >&2; exit 1)
WORKDIR /app/services/${SERVICE}
# Numeric, so that Kubernetes' runAsNonRoot can verify it (uid 1000 is the node user of the base image).
USER 1000:1000
# Every service answers GET /healthz: the gateway on GSDYN_GATEWAY_PORT, the others on GSDYN_METRICS_PORT.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/app/deploy/docker/healthcheck.mjs"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]

# GPU workers (tracker, renderer): the GPU path is WebGPU (Dawn, from the `webgpu` npm package) and
# onnxruntime's WebGPU provider, both over Vulkan. No CUDA library is loaded (onnxruntime-node's CUDA provider is
# not in the npm package), so a CUDA base image would add gigabytes for nothing: what the container needs is the
# Vulkan loader (here) and the driver's Vulkan ICD and libraries, which the NVIDIA container toolkit mounts from
# the host when the `graphics` driver capability is requested.
FROM service AS gpu
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends libvulkan1 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /usr/share/vulkan/icd.d \
 && printf '%s\n' '{"file_format_version":"1.0.0","ICD":{"library_path":"libEGL_nvidia.so.0","api_version":"1.3.0"}}' \
    > /usr/share/vulkan/icd.d/nvidia_icd.json
# Fallback ICD manifest above: some toolkit versions mount the driver's libraries but not its manifest. It names
# the EGL library (headless) rather than GLX, which needs an X server.
# NVIDIA_VISIBLE_DEVICES is deliberately not set here: the compose device reservation and the Kubernetes device
# plugin set it to the GPUs actually granted; an image default of `all` would expose every GPU of a node to a
# pod that requested none.
ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics
USER 1000:1000

# CPU image (every service; also the workers when GSDYN_DEVICE=cpu). Last, so a build without --target gets it.
FROM service AS runtime
