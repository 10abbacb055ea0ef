#!/bin/sh
# po/POTFILES.in must list exactly the source files that hold translatable
# strings: a listed file that does not exist breaks the extraction, and a
# file left out leaves its strings untranslated.
set -eu
srcdir=$1
cd "$srcdir"
status=0

listed=$(grep -v -e '^#' -e '^$' po/POTFILES.in)
if [ -z "$listed" ]; then
  echo "po/POTFILES.in lists no files" >&2
  exit 1
fi

for file in $listed; do
  if [ ! -f "$file" ]; then
    echo "po/POTFILES.in lists $file, which does not exist" >&2
    status=1
  fi
done

# C files that call _(), N_() or C_(), and .ui files with translatable text.
needed=$( (grep -l -E '(^|[^A-Za-z0-9_])(_|N_|C_|NC_)[[:space:]]*\(' src/*/*.c src/*/*/*.c 2>/dev/null || true;
           grep -l 'translatable="yes"' src/*/*.ui src/*/*/*.ui 2>/dev/null || true) | sort -u)
for file in $needed; do
  if ! printf '%s\n' "$listed" | grep -qx "$file"; then
    echo "$file has translatable strings but is not in po/POTFILES.in" >&2
    status=1
  fi
done

echo "$(printf '%s\n' "$listed" | wc -l) files listed, $(printf '%s\n' "$needed" | wc -l) with strings in the sources"
exit $status
