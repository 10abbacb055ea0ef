#!/bin/sh
# Every file listed in po/POTFILES.in must exist, or extracting the
# strings for translators fails.
set -eu
srcdir=$1
missing=0
checked=0
while IFS= read -r line || [ -n "$line" ]; do
  case $line in
    ''|'#'*) continue ;;
  esac
  checked=$((checked + 1))
  if [ ! -f "$srcdir/$line" ]; then
    echo "po/POTFILES.in lists $line, which does not exist" >&2
    missing=$((missing + 1))
  fi
done < "$srcdir/po/POTFILES.in"
if [ "$checked" -eq 0 ]; then
  echo "po/POTFILES.in lists no files" >&2
  exit 1
fi
echo "$checked files listed, $missing missing"
[ "$missing" -eq 0 ]
