/* ks-record-private.h: KsRecord internals shared by ks-record.c and ks-record-json.c */
#pragma once

#include "ks-record.h"

G_BEGIN_DECLS

struct _KsRecord
{
  GObject        parent_instance;

  char          *id;
  KsRecordState  state;
  KsParams      *params;
  char          *base_url;
  gboolean       simulated;
  KsRequest     *request;
  gint64         created;
  gint64         submitted;
  gint64         finished;
  gint64         updated;
  char          *seed;
  double         inference_time;
  double         queue_time;
  double         total_time;
  char          *returned_prompt;
  char          *error_code;
  char          *error_message;
  char          *logs_summary;
  guint          n_logs;
  guint64        cost;
  char          *parent_id;
  guint          parent_image;
  gint64         trashed;
  char          *batch_id;
  char          *batch_label;
  KsJob         *job;
  GPtrArray     *references;      /* KsRecordReference */
  GPtrArray     *images;          /* KsRecordImage, sorted by index */
  /* The id of the KsLibrary (in whichever process) that follows the record
   * while it is unfinished: JSON member "owner", NULL when none. Set and
   * cleared by the library as it saves (see ks-library-lock.c). */
  char          *owner;
};

/* An empty record (no id, no params) for the JSON reader to fill in. */
KsRecord *_ks_record_new_empty (void);

/* TRUE when @id can name files: letters, digits and '-' (a UUID). */
gboolean  _ks_record_id_is_valid (const char *id);

G_END_DECLS
