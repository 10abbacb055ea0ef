/* One cell of the fault matrix: a job against its own local server, with
 * one protocol step made to fail one way, then the retry action its
 * record offers. */
#pragma once

#include "job-library-fixture.h"

G_BEGIN_DECLS

typedef enum
{
  ROW_SUBMIT,
  ROW_STREAM,
  ROW_POLL,
  ROW_RESULT,
  ROW_IMAGE,
  ROW_UPLOAD,
  N_ROWS,
} Row;

typedef enum
{
  COL_429,
  COL_500,
  COL_502,
  COL_503,
  COL_504,
  COL_504_USER,
  COL_RESET,
  COL_TIMEOUT,
  COL_TRUNCATED,
  COL_MALFORMED,
  COL_WRONG_TYPES,
  COL_OVERSIZED,
  N_COLS,
} Col;

typedef struct
{
  const char *name;
  KsSimStep   step;
} RowInfo;

typedef struct
{
  const char *name;
  KsSimFault  fault;
  gboolean    transient;   /* another attempt may succeed */
  KsError     code;        /* the error when it persists */
} ColInfo;

extern const RowInfo fault_rows[N_ROWS];
extern const ColInfo fault_cols[N_COLS];

typedef enum
{
  CELL_RUNNING,
  CELL_RETRYING,
  CELL_DONE,
} CellPhase;

typedef struct _Cell Cell;
typedef void (*CellDoneFunc) (Cell *cell);

struct _Cell
{
  Row           row;
  Col           col;
  gboolean      persistent;   /* the fault on every request, not just the first */
  guint         index;

  LibFixture    f;
  GCancellable *cancellable;
  KsJob        *job;
  KsJob        *retry_job;
  char         *prompt;
  CellPhase     phase;
  gint64        started;
  guint         bound_ms;
  guint         bound_source;
  CellDoneFunc  done;

  /* what happened */
  KsJobState    state;
  GError       *error;
  double        seconds;
  guint         faults_served;
  guint         accepted;     /* jobs the server took in */
  char         *action;       /* "retry", "resubmit", "resume"; NULL when none is needed */
  gboolean      action_ok;
  GPtrArray    *problems;     /* char*: what went wrong, for the report */
};

/* Whether the cell means anything: a fault that cannot happen at that
 * step (JSON faults on image bytes, …) is left out of the matrix. */
gboolean     fault_cell_applies   (Row           row,
                                   Col           col,
                                   gboolean      persistent);
Cell        *fault_cell_new       (Row           row,
                                   Col           col,
                                   gboolean      persistent,
                                   guint         index);
void         fault_cell_free      (Cell         *cell);
/* Starts the cell on the thread-default main context; @done is called
 * (from an idle) once everything, the retry action included, is over. */
void         fault_cell_start     (Cell         *cell,
                                   CellDoneFunc  done);
/* "ok", "ok+2r", "ok~poll", "E:rate", …, with "!" when a check failed. */
char        *fault_cell_label     (Cell         *cell);

G_END_DECLS
