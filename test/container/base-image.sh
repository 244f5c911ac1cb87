#!/usr/bin/env bash
# Makes the Dockerfile's base image locally when it is missing (no registry is reachable from these machines):
# a minimal Debian bookworm rootfs from debootstrap, imported into podman, plus a layer holding this machine's
# own node and npm where the official node image keeps them, tagged with the name the Dockerfile's FROM uses.
set -euo pipefail

IMAGE="${1:?usage: base-image.sh IMAGE}"
if podman image exists "$IMAGE"; then
  echo "base image $IMAGE is present"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

echo "building $IMAGE: debootstrap --variant=minbase bookworm (about a minute)"
debootstrap --variant=minbase bookworm "$rootfs" > "$work/debootstrap.log" 2>&1 || {
  tail -20 "$work/debootstrap.log"
  exit 1
}
# apt's caches and lists are not needed at run time.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | podman import --change 'CMD ["bash"]' - "$IMAGE-rootfs" > /dev/null

node_bin="$(readlink -f "$(command -v node)")"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
mkdir -p "$work/ctx"
cp "$node_bin" "$work/ctx/node"
cp -r "$npm_dir" "$work/ctx/npm"
cat > "$work/ctx/Containerfile" <<CONTAINERFILE
FROM $IMAGE-rootfs
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
CMD ["node"]
CONTAINERFILE
podman build --pull=never --isolation=chroot --format docker -t "$IMAGE" "$work/ctx"
podman rmi "$IMAGE-rootfs" > /dev/null
echo "base image $IMAGE is built from this machine's node $(node --version)"
