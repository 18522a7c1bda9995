# Container action image: one static Go binary on distroless (CA certificates, no shell,
# no Python: the action resolves and assembles wheels itself). docs/architecture.md, "GitHub Actions".

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so source edits do not invalidate the download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/lithops-fc-runtime .

FROM gcr.io/distroless/static-debian12
LABEL org.opencontainers.image.title="lithops-fc-runtime" \
      org.opencontainers.image.description="Builds a Lithops runtime for Alibaba Cloud Function Compute and deploys it" \
      org.opencontainers.image.source="https://github.com/lithops-fc/runtime-action"
COPY --from=build /out/lithops-fc-runtime /usr/local/bin/lithops-fc-runtime
# No USER: the runner's file-command files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) belong to
# the runner's user and a container action must run as root to append to them.
# No WORKDIR reliance: the runner mounts the workspace and sets the working directory.
ENTRYPOINT ["/usr/local/bin/lithops-fc-runtime"]
