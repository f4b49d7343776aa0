#!/usr/bin/env bash
# The main job on the embedded default: one member hosting node1..node3 (SQLite in the data dir),
# a live migration of a running 2 GiB VM with progress (with the QEMU driver it boots its own disk, copied along),
# an offline migration with a local disk, then the cluster state and the task logs. Exits 0 only if every task ended OK.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG="${CONFIG:-Release}"
DRIVER="${AM_DRIVER:-auto}"
if [ "$DRIVER" = auto ]; then
  if [ -x /usr/bin/qemu-system-x86_64 ] && [ -x /usr/bin/qemu-img ]; then DRIVER=qemu; else DRIVER=sim; fi
fi
if [ "$DRIVER" = qemu ]; then
  # VM 100 boots its own disk (SYSLINUX on SeaBIOS), imported from the test guest's disk-bios.raw: no test kernel.
  GUEST_DIR="${GUEST_DIR:-$PWD/.build/guest}"
  bash scripts/build-guest-image.sh "$GUEST_DIR" >/dev/null
  unset AM_TEST_KERNEL
fi
export AM_DATA_DIR="${AM_DATA_DIR:-$PWD/data/demo}"
export AM_API_PORT="${AM_API_PORT:-8006}"
export AM_API="https://127.0.0.1:${AM_API_PORT}"
export AM_DRIVER="$DRIVER"
export AM_SIM_SPEED_FACTOR="${AM_SIM_SPEED_FACTOR:-2}"
SERVER="src/ActorMigration.Api/bin/$CONFIG/net10.0/actormigration.dll"
AMCTL=(dotnet "src/ActorMigration.Cli/bin/$CONFIG/net10.0/amctl.dll")

rm -rf "$AM_DATA_DIR"
mkdir -p "$AM_DATA_DIR"
if [ "$DRIVER" = qemu ]; then
  mkdir -p "$AM_DATA_DIR/nodes/node1/local/import"
  cp --sparse=always "$GUEST_DIR/disk-bios.raw" "$AM_DATA_DIR/nodes/node1/local/import/am-guest.raw"
  VM100_DISK=(--scsi0 "local:0,import-from=local:import/am-guest.raw")
  LOCAL_DISKS=(--with-local-disks)
else
  VM100_DISK=()
  LOCAL_DISKS=()
fi
echo "== starting one member hosting node1, node2, node3 (driver: $DRIVER, data: $AM_DATA_DIR)"
dotnet "$SERVER" > "$AM_DATA_DIR/member.out" 2>&1 &
MEMBER=$!
trap 'kill $MEMBER 2>/dev/null || true; wait $MEMBER 2>/dev/null || true' EXIT

for i in $(seq 1 120); do
  if [ -f "$AM_DATA_DIR/admin.token" ] && "${AMCTL[@]}" nodes >/dev/null 2>&1; then break; fi
  if ! kill -0 $MEMBER 2>/dev/null; then cat "$AM_DATA_DIR/member.out"; exit 1; fi
  sleep 0.5
done
"${AMCTL[@]}" nodes

heartbeat() { # last heartbeat line the guest printed on its serial console
  local log="$AM_DATA_DIR/run/$1/qemu/100/serial.log"
  [ -f "$log" ] && grep -a "heartbeat" "$log" | tail -n 1 | tr -d '\r' || echo "(no serial log on $1)"
}

echo
echo "== creating VM 100 (2 GiB, running$([ "$DRIVER" = qemu ] && echo ", booting its own disk")) and VM 101 (stopped, local disk) on node1"
"${AMCTL[@]}" vm create node1 100 --name web --memory 2048 --cores 1 "${VM100_DISK[@]}" --net0 virtio,bridge=vmbr0 --start
"${AMCTL[@]}" vm create node1 101 --name db --memory 1024 --scsi0 local:2 --net0 virtio,bridge=vmbr0
"${AMCTL[@]}" vm list
if [ "$DRIVER" = qemu ]; then
  # Settled: heartbeats run and the guest's disk probe is done (it leaves its boot disk alone).
  for i in $(seq 1 90); do grep -aq "^disk none" "$AM_DATA_DIR/run/node1/qemu/100/serial.log" 2>/dev/null && break; sleep 1; done
  sleep 1
  echo "guest heartbeat on node1 before the migration: $(heartbeat node1)"
fi

echo
echo "== live migration of VM 100: node1 -> node2"
"${AMCTL[@]}" migrate 100 node2 --online "${LOCAL_DISKS[@]}"
if [ "$DRIVER" = qemu ]; then
  sleep 2
  echo "guest heartbeat on node2 after the migration:  $(heartbeat node2)"
fi
MIG=$("${AMCTL[@]}" task list --json | python3 -c 'import json,sys; print([t["upid"] for t in json.load(sys.stdin) if t["type"]=="qmigrate"][0])')
echo "QEMU's measured downtime: $("${AMCTL[@]}" task log "$MIG" | grep -o 'downtime [0-9]* ms' | tail -n 1)"

echo
echo "== offline migration of VM 101 with its local disk: node1 -> node2"
"${AMCTL[@]}" migrate 101 node2

echo
echo "== cluster state"
"${AMCTL[@]}" vm list

if [ "$DRIVER" = qemu ]; then
  echo
  echo "== stopping VM 100 (the demo leaves no QEMU running)"
  "${AMCTL[@]}" vm stop 100
fi

echo
echo "== task logs"
status=0
for upid in $("${AMCTL[@]}" task list --json | python3 -c 'import json,sys; [print(t["upid"]) for t in reversed(json.load(sys.stdin))]'); do
  echo "--- $upid"
  "${AMCTL[@]}" task log "$upid" | tee "$AM_DATA_DIR/last.log"
  tail -n 1 "$AM_DATA_DIR/last.log" | grep -q "TASK OK" || status=1
done
exit $status
