# The parts of the stack Gracilis does not compile, from Debian's packages
# with the project's configuration, each as a non-root user:
#
#   podman build -f docker/infra.Dockerfile --target gateway -t gracilis/gateway .
#
# Targets: gateway (HAProxy), redis, redis-tls (stunnel4: the services' TLS
# sidecar toward an external Redis), redis-exporter, prometheus, pushgateway.
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS gateway
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends haproxy \
    && rm -rf /var/lib/apt/lists/*
COPY deploy/gateway /etc/gracilis/gateway
USER haproxy
ENV GRACILIS_GATEWAY_LISTEN=0.0.0.0:8080 \
    GRACILIS_GATEWAY_METRICS=0.0.0.0:8405
EXPOSE 8080 8405
ENTRYPOINT ["haproxy", "-f", "/etc/gracilis/gateway/haproxy.cfg"]

# Durable: AOF (appendfsync always) in the /data volume. Set the password
# with --requirepass (or a config include) where Redis is reachable beyond
# the services.
FROM ${BASE_IMAGE} AS redis
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o redis -g redis /data
COPY deploy/redis/redis.conf /etc/gracilis/redis.conf
USER redis
VOLUME /data
EXPOSE 6379
ENTRYPOINT ["redis-server", "/etc/gracilis/redis.conf", "--dir", "/data", \
            "--bind", "0.0.0.0", "--protected-mode", "no"]

# TLS toward an external Redis, which hiredis 0.14 cannot speak: a sidecar
# listening in plain TCP on the pod's loopback (deploy/redis-tls/stunnel-client
# says how it is configured). The CA comes from a mounted Secret or ConfigMap.
FROM ${BASE_IMAGE} AS redis-tls
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends stunnel4 \
    && rm -rf /var/lib/apt/lists/*
COPY deploy/redis-tls/stunnel-client /usr/local/bin/stunnel-client
USER stunnel4
EXPOSE 6379
ENTRYPOINT ["stunnel-client"]

FROM ${BASE_IMAGE} AS prometheus
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends prometheus \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o prometheus -g prometheus /prometheus
COPY deploy/prometheus /etc/gracilis/prometheus
USER prometheus
VOLUME /prometheus
EXPOSE 9090
ENTRYPOINT ["prometheus", "--storage.tsdb.path=/prometheus"]
CMD ["--config.file=/etc/gracilis/prometheus/prometheus.yml", \
     "--web.listen-address=0.0.0.0:9090"]

FROM ${BASE_IMAGE} AS alertmanager
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends prometheus-alertmanager \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o prometheus -g prometheus /alertmanager
COPY deploy/alertmanager /etc/gracilis/alertmanager
USER prometheus
VOLUME /alertmanager
EXPOSE 9093
ENTRYPOINT ["prometheus-alertmanager", "--storage.path=/alertmanager", \
            "--cluster.listen-address="]
CMD ["--config.file=/etc/gracilis/alertmanager/containers.yml", \
     "--web.listen-address=0.0.0.0:9093"]

# Alertmanager's receiver in the compose stack: logs each notification.
FROM ${BASE_IMAGE} AS alert-webhook
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends python3-minimal \
    && rm -rf /var/lib/apt/lists/*
COPY deploy/alertmanager/webhook-log /usr/local/bin/webhook-log
USER 10001:10001
EXPOSE 9095
ENTRYPOINT ["python3", "/usr/local/bin/webhook-log", "--listen", "0.0.0.0:9095"]

FROM ${BASE_IMAGE} AS pushgateway
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends prometheus-pushgateway \
    && rm -rf /var/lib/apt/lists/*
USER prometheus
EXPOSE 9091
ENTRYPOINT ["prometheus-pushgateway", "--persistence.file="]
CMD ["--web.listen-address=0.0.0.0:9091"]

FROM ${BASE_IMAGE} AS redis-exporter
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends prometheus-redis-exporter \
    && rm -rf /var/lib/apt/lists/*
USER prometheus
EXPOSE 9121
ENTRYPOINT ["prometheus-redis-exporter"]

# A local SMTP server for the compose stack (never production): Debian's
# aiosmtpd, keeping every mail as a file in the Maildir mounted at /mail.
FROM ${BASE_IMAGE} AS smtp-sink
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends python3-aiosmtpd \
    && rm -rf /var/lib/apt/lists/*
USER 10001:10001
EXPOSE 2525
ENTRYPOINT ["python3", "-m", "aiosmtpd", "-n", "-l", "0.0.0.0:2525", \
            "-c", "aiosmtpd.handlers.Mailbox", "/mail"]
