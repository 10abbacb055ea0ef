/* The fault matrix: every protocol step against every fault, each cell a
 * whole job (with its library) against its own local server. A cell must
 * end completed, or failed with the right error and a retry action that
 * works; never hang, never submit twice, never lose its record or an
 * image. The matrix is printed at the end.
 *
 * KS_FAULT_CELLS=N runs N cells at once (default 6). */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fault-cell.h"

#define MATRIX_DEADLINE_S 300
#define COLUMN_WIDTH      12

typedef struct
{
  GPtrArray *cells;      /* Cell, in matrix order */
  guint      next;
  guint      running;
  guint      done;
  guint      limit;
} Matrix;

static Matrix *matrix_for_done;

static void start_more (Matrix *matrix);

static void
cell_done (Cell *cell)
{
  Matrix *matrix = matrix_for_done;

  matrix->running--;
  matrix->done++;
  start_more (matrix);
}

static void
start_more (Matrix *matrix)
{
  while (matrix->running < matrix->limit && matrix->next < matrix->cells->len)
    {
      Cell *cell = g_ptr_array_index (matrix->cells, matrix->next++);

      matrix->running++;
      fault_cell_start (cell, cell_done);
    }
}

static gboolean
matrix_deadline_cb (gpointer data)
{
  g_error ("The fault matrix did not finish within %d s", MATRIX_DEADLINE_S);
  return G_SOURCE_REMOVE;
}

static void
append_padded (GString    *line,
               const char *text)
{
  glong width = g_utf8_strlen (text, -1);

  g_string_append (line, text);
  for (glong i = width; i < COLUMN_WIDTH; i++)
    g_string_append_c (line, ' ');
}

static Cell *
find_cell (Matrix   *matrix,
           Row       row,
           Col       col,
           gboolean  persistent)
{
  for (guint i = 0; i < matrix->cells->len; i++)
    {
      Cell *cell = g_ptr_array_index (matrix->cells, i);

      if (cell->row == row && cell->col == col && cell->persistent == persistent)
        return cell;
    }

  return NULL;
}

static void
print_matrix (Matrix *matrix)
{
  g_autoptr(GString) line = g_string_new (NULL);
  double slowest = 0;
  const char *slowest_name = "";

  g_test_message ("Fault matrix: rows are protocol steps (\"*\": the fault on every request), "
                  "columns are faults (transient ones twice in a row)");

  append_padded (line, "");
  for (guint c = 0; c < N_COLS; c++)
    append_padded (line, fault_cols[c].name);
  g_test_message ("%s", line->str);

  for (guint p = 0; p < 2; p++)
    for (guint r = 0; r < N_ROWS; r++)
      {
        g_autofree char *name = g_strdup_printf ("%s%s", fault_rows[r].name, p ? "*" : "");
        gboolean any = FALSE;

        g_string_truncate (line, 0);
        append_padded (line, name);
        for (guint c = 0; c < N_COLS; c++)
          {
            Cell *cell = find_cell (matrix, r, c, p);
            g_autofree char *label = cell != NULL ? fault_cell_label (cell) : g_strdup ("-");

            any |= cell != NULL;
            append_padded (line, label);
            if (cell != NULL && cell->seconds > slowest)
              {
                slowest = cell->seconds;
                slowest_name = cell->prompt;
              }
          }
        if (any)
          g_test_message ("%s", line->str);
      }

  g_test_message ("ok+Nr: completed after N faulted replies; ok~poll: completed by polling "
                  "after the stream failed; ok~id: the submit reply broke, the job was followed "
                  "by the request id of its headers; E:code: failed with that error, then /R retry, "
                  "/U resubmit (may have been billed), /M resume (the same request followed "
                  "again), /F Retry on a job the service had accepted: the same request followed "
                  "again, nothing submitted; the action was taken and completed; -: does not apply; !: a check failed");
  g_test_message ("%u cells; slowest job %.1f s (%s)", matrix->cells->len, slowest, slowest_name);
}

static void
test_matrix (void)
{
  Matrix matrix = { 0 };
  const char *env = g_getenv ("KS_FAULT_CELLS");
  gint64 start = g_get_monotonic_time ();
  guint deadline;
  guint failures = 0;

  matrix.cells = g_ptr_array_new_with_free_func ((GDestroyNotify) fault_cell_free);
  matrix.limit = env != NULL && atoi (env) > 0 ? (guint) atoi (env) : 6;
  matrix_for_done = &matrix;

  for (guint p = 0; p < 2; p++)
    for (guint r = 0; r < N_ROWS; r++)
      for (guint c = 0; c < N_COLS; c++)
        if (fault_cell_applies (r, c, p))
          g_ptr_array_add (matrix.cells, fault_cell_new (r, c, p, matrix.cells->len));

  deadline = g_timeout_add_seconds (MATRIX_DEADLINE_S, matrix_deadline_cb, NULL);
  start_more (&matrix);
  while (matrix.done < matrix.cells->len)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (deadline);

  print_matrix (&matrix);
  g_test_message ("The matrix took %.1f s with %u cells at once",
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC, matrix.limit);

  for (guint i = 0; i < matrix.cells->len; i++)
    {
      Cell *cell = g_ptr_array_index (matrix.cells, i);

      for (guint j = 0; j < cell->problems->len; j++)
        {
          g_test_message ("%s%s × %s: %s", fault_rows[cell->row].name, cell->persistent ? "*" : "",
                          fault_cols[cell->col].name, (char *) g_ptr_array_index (cell->problems, j));
          failures++;
        }
    }

  g_ptr_array_unref (matrix.cells);
  g_assert_cmpuint (failures, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/faults/matrix", test_matrix);

  return g_test_run ();
}
