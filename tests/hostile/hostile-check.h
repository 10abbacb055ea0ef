#pragma once

#include <json-glib/json-glib.h>

#include "hostile-corpus.h"

G_BEGIN_DECLS

/* Checks what the child reported for @entry (the file at @path; the bytes
 * to send, if any, at @sent_path) against what the entry expects. Each
 * problem found is added to @problems; returns the outcome for the table. */
char *hostile_check_report (const HostileEntry *entry,
                            const char         *path,
                            JsonObject         *report,
                            const char         *sent_path,
                            GPtrArray          *problems);

G_END_DECLS
