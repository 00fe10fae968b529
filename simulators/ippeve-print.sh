#!/bin/sh
# Print command for ippeveprinter in the MPP Station CUPS lab (simulators/cups_lab.py).
#
# ippeveprinter runs it once per job with the job's document as $1. It
# "prints" by copying the document to $MPP_LAB_OUT and reports back on
# standard error, as a printer would:
#   STATE: +reason / -reason   printer-state-reasons of the simulated printer
#   ATTR: job-impressions-completed=N   the pages that came out
# Faults come from the control file $MPP_LAB_CONTROL (key=value lines):
#   fault=media-jam|media-empty|door-open|cover-open|toner-empty|output-area-full
#         the job fails with that reason, which stays on the printer until a
#         later job prints (or the lab's maintenance job clears it)
#   fault=short          the printer reports one page fewer than the document has
#   page_seconds=S       seconds per page, to make a job last
set -u
doc="$1"
name="${IPP_JOB_NAME:-}"
fault=""
page_seconds=0
if [ -r "${MPP_LAB_CONTROL:-/nonexistent}" ]; then
  while IFS='=' read -r key value; do
    case "$key" in
      fault) fault="$value" ;;
      page_seconds) page_seconds="$value" ;;
    esac
  done < "$MPP_LAB_CONTROL"
fi
FAULTS="media-jam,media-empty,door-open,cover-open,toner-empty,output-area-full"

if [ "$name" = "mpp-lab-maintenance" ]; then
  # A technician cleared the printer: every fault reason goes away.
  echo "STATE: -$FAULTS" >&2
  exit 0
fi

case "$fault" in
  media-jam|media-empty|door-open|cover-open|toner-empty|output-area-full)
    echo "STATE: +$fault" >&2
    echo "ERROR: $fault" >&2
    printf '%s\t%s\t%s\n' "${IPP_JOB_ID:-0}" "$name" "$fault" >> "$MPP_LAB_OUT/faults.log"
    # Stay long enough for CUPS's backend to see the reason before the job ends.
    sleep 1
    exit 1 ;;
esac

echo "STATE: -$FAULTS" >&2
pages=$(pdfinfo "$doc" 2>/dev/null | awk '/^Pages:/ { print $2 }')
[ -n "$pages" ] || pages=0
printf '%s\t%s\n' "${IPP_JOB_ID:-0}" "$name" >> "$MPP_LAB_OUT/started.log"
sleep "$(awk -v s="$page_seconds" -v p="$pages" 'BEGIN { print s * p }')"
reported=$pages
if [ "$fault" = short ] && [ "$pages" -gt 0 ]; then
  reported=$((pages - 1))
fi
cp "$doc" "$MPP_LAB_OUT/"
printf '%s\t%s\t%s\t%s\n' "${IPP_JOB_ID:-0}" "$name" "$reported" "$(basename "$doc")" >> "$MPP_LAB_OUT/printed.log"
echo "ATTR: job-impressions-completed=$reported" >&2
exit 0
