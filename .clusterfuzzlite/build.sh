#!/bin/bash -eu
# ClusterFuzzLite runs this; the real build is OSS-Fuzz's (fuzz/oss-fuzz/build.sh).
exec "$SRC/chaosq/fuzz/oss-fuzz/build.sh"
