# The iggy-ts server in a container: the server bundled into one file on the official Deno image, run
# as the image's non-root `deno` user, data in the /var/lib/iggy volume.
#
#   docker build -t iggy-ts .
#   docker run -p 8090:8090 -p 8080:8080/udp -p 3000:3000 -p 8092:8092 -v iggy-data:/var/lib/iggy \
#     -e IGGY_ROOT_USERNAME=iggy -e IGGY_ROOT_PASSWORD=change-me iggy-ts
#
# The build runs deploy/install.sh, the same script tests/deploy/install_test.ts runs against a fresh
# directory before starting the server with this file's ENV, CMD and HEALTHCHECK.
ARG DENO_VERSION=2.9.6

FROM denoland/deno:${DENO_VERSION} AS build
WORKDIR /src
COPY . .
RUN deploy/install.sh /opt/iggy

FROM denoland/deno:${DENO_VERSION}
COPY --from=build /opt/iggy /opt/iggy
RUN mkdir -p /var/lib/iggy && chown deno:deno /var/lib/iggy
# Listen on every interface inside the container; the rest is the embedded default configuration
# (mount a file and set IGGY_CONFIG_PATH, or set IGGY_* variables, to change it).
ENV IGGY_SYSTEM_PATH=/var/lib/iggy \
    IGGY_TCP_ADDRESS=0.0.0.0:8090 \
    IGGY_QUIC_ADDRESS=0.0.0.0:8080 \
    IGGY_HTTP_ADDRESS=0.0.0.0:3000 \
    IGGY_WEBSOCKET_ADDRESS=0.0.0.0:8092
USER deno
WORKDIR /opt/iggy
VOLUME /var/lib/iggy
# TCP, QUIC (UDP), HTTP, WebSocket.
EXPOSE 8090 8080/udp 3000 8092
# The image has no curl: Deno itself asks the HTTP API for /ping (the port comes from the server's
# runtime/current_config.toml, so it follows IGGY_HTTP_ADDRESS).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["deno", "run", "--allow-env", "--allow-read", "--allow-net", "/opt/iggy/healthcheck.ts"]
# SIGTERM (docker stop) stops the server cleanly: requests answered, files flushed and fsynced.
STOPSIGNAL SIGTERM
CMD ["deno", "run", "--allow-all", "--unstable-net", "/opt/iggy/iggy-server.js"]
