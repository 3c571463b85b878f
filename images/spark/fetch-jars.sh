#!/bin/sh
# fetch-jars.sh JARS_TXT OUT_DIR: resolves every jar of JARS_TXT (lines "<sha256>  group:artifact:version")
# with Maven (strict repository checksums), copies it to OUT_DIR as artifact-version.jar and checks its
# sha256 against the pinned one. Used by images/spark/Dockerfile and by .ci/suites/50-data.sh, so CI puts
# exactly the image's jars on the classpath. Skips a jar already in OUT_DIR with the right sha256.
set -eu
list="$1"
out="$2"
mkdir -p "$out"
grep -Ev '^[[:space:]]*(#|$)' "$list" | while read -r sum coord; do
  artifact=$(echo "$coord" | cut -d: -f2)
  version=$(echo "$coord" | cut -d: -f3)
  jar="$out/$artifact-$version.jar"
  if [ -f "$jar" ] && echo "$sum  $jar" | sha256sum -c --status; then
    continue
  fi
  mvn -B -q -C dependency:copy -Dartifact="$coord" -DoutputDirectory="$out" -Dmdep.overWriteReleases=true
  echo "$sum  $jar" | sha256sum -c --quiet || { echo "fetch-jars: $coord: sha256 differs from $list" >&2; exit 1; }
  echo "fetch-jars: $coord ok" >&2
done
