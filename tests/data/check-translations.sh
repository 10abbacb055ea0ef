#!/bin/sh
# Fails when a language in po/LINGUAS has no .po file, when msgfmt --check
# finds an error in one, or when one has a fuzzy or untranslated message.
set -u

srcdir=${1:?usage: check-translations.sh SOURCE_ROOT}
podir="$srcdir/po"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0
count=0
for lang in $(sed -e 's/#.*//' "$podir/LINGUAS"); do
  count=$((count + 1))
  po="$podir/$lang.po"
  if [ ! -f "$po" ]; then
    echo "not ok: $lang is in po/LINGUAS but po/$lang.po does not exist"
    status=1
    continue
  fi
  if ! msgfmt --check --statistics -o "$tmp/$lang.mo" "$po" >"$tmp/$lang.log" 2>&1; then
    echo "not ok: msgfmt --check failed for po/$lang.po:"
    cat "$tmp/$lang.log"
    status=1
    continue
  fi
  stats=$(cat "$tmp/$lang.log")
  case "$stats" in
    *fuzzy*|*untranslated*)
      echo "not ok: po/$lang.po is incomplete: $stats"
      status=1
      ;;
    *" translated message"*)
      echo "ok: po/$lang.po: $stats"
      ;;
    *)
      echo "not ok: po/$lang.po: unexpected msgfmt output: $stats"
      status=1
      ;;
  esac
done

if [ "$count" -eq 0 ]; then
  echo "not ok: po/LINGUAS lists no language"
  status=1
fi
exit $status
