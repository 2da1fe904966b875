#!/bin/bash
# Runs once, when the influxdb:2.x image initialises an empty data volume
# (DOCKER_INFLUXDB_INIT_MODE=setup), after the org, bucket and admin token
# exist. The monitor writes through the v1-compatible /write?db=… and Grafana
# queries InfluxQL on /query?db=…; both need the v1 database name mapped to
# the bucket (a DBRP mapping). The admin token authenticates both.
set -euo pipefail

db="${INFLUX_DB:-aed}"
bucket_id="${DOCKER_INFLUXDB_INIT_BUCKET_ID:-}"
if [ -z "$bucket_id" ]; then
  bucket_id="$(influx bucket list --org "$DOCKER_INFLUXDB_INIT_ORG" --name "$DOCKER_INFLUXDB_INIT_BUCKET" --hide-headers | cut -f1)"
fi

influx v1 dbrp create \
  --org "$DOCKER_INFLUXDB_INIT_ORG" \
  --bucket-id "$bucket_id" \
  --db "$db" \
  --rp autogen \
  --default
echo "v1 database \"$db\" mapped to bucket $DOCKER_INFLUXDB_INIT_BUCKET ($bucket_id)"
