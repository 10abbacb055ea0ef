/* Spending and the monthly budget: what the library says was spent on
 * records at fixed times, the one-line summary, and the confirmation
 * before a job that would go over the budget. */

#include "config.h"

#include <string.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "ks-application.h"
#include "ks-budget.h"
#include "ks-core.h"
#include "ks-test-gui.h"

#define WAIT_MS 10000

typedef struct
{
  char      *dir;
  KsLibrary *library;
  GSettings *settings;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(GFile) directory = NULL;
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("ks-spending-XXXXXX", &error);
  g_assert_no_error (error);
  directory = g_file_new_build_filename (fixture->dir, "library", NULL);
  fixture->library = ks_library_new (directory);
  g_assert_true (ks_library_load (fixture->library, NULL, &error));
  g_assert_no_error (error);

  fixture->settings = g_settings_new_with_backend (KS_SETTINGS_SCHEMA_ID, backend);
}

static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children =
    g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                               G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);

  if (children != NULL)
    {
      GFileInfo *info;
      GFile *child;

      while (g_file_enumerator_iterate (children, &info, &child, NULL, NULL) && info != NULL)
        remove_tree (child);
    }
  g_file_delete (file, NULL, NULL);
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GFile) dir = g_file_new_for_path (fixture->dir);
  KsLibrary *library = fixture->library;

  /* Writes done, their completions delivered: then nothing holds it. */
  ks_library_flush (library);
  g_object_add_weak_pointer (G_OBJECT (library), (gpointer *) &library);
  g_clear_object (&fixture->library);
  g_assert_true (ks_test_gui_wait_until (pointer_cleared, &library, 5000));
  g_clear_object (&fixture->settings);
  remove_tree (dir);
  g_free (fixture->dir);
}

/* Wall-clock µs of a local time. */
static gint64
local_time (int year,
            int month,
            int day,
            int hour,
            int minute,
            int second)
{
  g_autoptr(GDateTime) time = g_date_time_new_local (year, month, day, hour, minute, second);

  g_assert_nonnull (time);
  return g_date_time_to_unix (time) * G_USEC_PER_SEC;
}

/* A record as a job leaves it: @n_images of @model, in @state, sent at
 * @submitted (0: never sent), added to the library. */
static KsRecord *
add_record (Fixture       *fixture,
            KsModel        model,
            int            n_images,
            KsRecordState  state,
            gint64         submitted)
{
  g_autoptr(KsParams) params = ks_params_new (ks_endpoint_find (model, KS_MODE_TEXT_TO_IMAGE));
  g_autoptr(KsRecord) record = NULL;

  ks_params_set_prompt (params, "a lighthouse at dusk");
  ks_params_set_num_images (params, n_images);
  record = ks_record_new (params, "http://127.0.0.1:1", TRUE);
  ks_record_set_state (record, state);
  ks_record_set_submitted (record, submitted);

  /* What the job cost is the catalogue price times the images asked for. */
  g_assert_cmpuint (ks_record_get_cost (record), ==,
                    (guint64) n_images * (model == KS_MODEL_PRO ? 40000 : 80000));

  ks_library_add (fixture->library, record);
  return record;  /* the library keeps it */
}

/* Records around 2025-03-15 12:00 local time, at the edges of the day and
 * the month, in states that cost money and states that do not. */
static void
add_march_records (Fixture *fixture)
{
  KsRecord *trashed;

  /* Today: $0.04 + $0.16 */
  add_record (fixture, KS_MODEL_PRO, 1, KS_RECORD_STATE_COMPLETED, local_time (2025, 3, 15, 0, 0, 0));
  add_record (fixture, KS_MODEL_MAX, 2, KS_RECORD_STATE_IN_PROGRESS, local_time (2025, 3, 15, 11, 59, 0));
  /* Earlier this month: $0.12 + $0.08 + $0.04 (in the trash: spent all the same) */
  add_record (fixture, KS_MODEL_PRO, 3, KS_RECORD_STATE_EXPIRED, local_time (2025, 3, 14, 23, 59, 59));
  add_record (fixture, KS_MODEL_MAX, 1, KS_RECORD_STATE_UNKNOWN, local_time (2025, 3, 1, 0, 0, 0));
  trashed = add_record (fixture, KS_MODEL_PRO, 1, KS_RECORD_STATE_COMPLETED, local_time (2025, 3, 10, 8, 0, 0));
  ks_library_trash (fixture->library, trashed);
  /* Outside the month */
  add_record (fixture, KS_MODEL_MAX, 4, KS_RECORD_STATE_COMPLETED, local_time (2025, 2, 28, 23, 59, 59));
  add_record (fixture, KS_MODEL_MAX, 4, KS_RECORD_STATE_IN_QUEUE, local_time (2025, 4, 1, 0, 0, 0));
  /* Never sent: costs nothing */
  add_record (fixture, KS_MODEL_MAX, 4, KS_RECORD_STATE_WAITING, 0);
}

static void
test_spent_sums (Fixture       *fixture,
                 gconstpointer  data)
{
  gint64 now = local_time (2025, 3, 15, 12, 0, 0);

  add_march_records (fixture);

  g_assert_cmpuint (ks_library_get_spent_day (fixture->library, now), ==, 200000);
  g_assert_cmpuint (ks_library_get_spent_month (fixture->library, now), ==, 440000);
  /* The half-open range: the first instant of the 16th is not the 15th. */
  g_assert_cmpuint (ks_library_get_spent (fixture->library,
                                          local_time (2025, 3, 15, 0, 0, 0),
                                          local_time (2025, 3, 15, 11, 59, 0)),
                    ==, 40000);
  /* A day with nothing, and the month before. */
  g_assert_cmpuint (ks_library_get_spent_day (fixture->library, local_time (2025, 3, 20, 9, 0, 0)), ==, 0);
  g_assert_cmpuint (ks_library_get_spent_month (fixture->library, local_time (2025, 2, 10, 9, 0, 0)), ==, 320000);
}

static void
test_describe (Fixture       *fixture,
               gconstpointer  data)
{
  gint64 now = local_time (2025, 3, 15, 12, 0, 0);
  g_autofree char *empty = NULL;
  g_autofree char *no_cap = NULL;
  g_autofree char *capped = NULL;
  g_autofree char *cents = NULL;

  empty = ks_budget_describe (fixture->settings, fixture->library, now);
  g_assert_cmpstr (empty, ==, "$0.00 today · $0.00 this month");

  add_march_records (fixture);

  no_cap = ks_budget_describe (fixture->settings, fixture->library, now);
  g_assert_cmpstr (no_cap, ==, "$0.20 today · $0.44 this month");

  g_settings_set_double (fixture->settings, "monthly-budget", 10.0);
  capped = ks_budget_describe (fixture->settings, fixture->library, now);
  g_assert_cmpstr (capped, ==, "$0.20 today · $0.44 this month of $10.00");
  g_assert_cmpuint (ks_budget_get_cap (fixture->settings), ==, 10000000);

  /* Dollars typed with cents survive the trip through a double. */
  g_settings_set_double (fixture->settings, "monthly-budget", 0.29);
  cents = ks_budget_describe (fixture->settings, fixture->library, now);
  g_assert_cmpstr (cents, ==, "$0.20 today · $0.44 this month of $0.29");
  g_assert_cmpuint (ks_budget_get_cap (fixture->settings), ==, 290000);
}

/* ---- the confirmation ----------------------------------------------------- */

typedef struct
{
  gboolean done;
  gboolean submit;
} Answer;

static void
confirm_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Answer *answer = user_data;

  g_assert_null (object);
  answer->submit = ks_budget_confirm_finish (result);
  answer->done = TRUE;
}

static gboolean
answered (gpointer data)
{
  return ((Answer *) data)->done;
}

/* Answered, or asking: whichever comes first. */
static gboolean
answered_or_asking (gpointer data)
{
  return ((Answer *) data)->done || ks_test_gui_find_message_dialog () != NULL;
}

/* Spent this month: $0.08 (a [max] image), now. */
static GtkWidget *
set_up_confirm (Fixture *fixture,
                double   budget)
{
  GtkWidget *parent = gtk_window_new ();

  add_record (fixture, KS_MODEL_MAX, 1, KS_RECORD_STATE_COMPLETED, g_get_real_time ());
  g_settings_set_double (fixture->settings, "monthly-budget", budget);

  gtk_window_set_default_size (GTK_WINDOW (parent), 600, 400);
  gtk_window_present (GTK_WINDOW (parent));
  ks_test_gui_wait_frames (parent, 2);
  return parent;
}

static void
test_confirm_within (Fixture       *fixture,
                     gconstpointer  data)
{
  GtkWidget *parent = set_up_confirm (fixture, 0.12);
  Answer answer = { 0 };
  Answer uncapped = { 0 };

  /* $0.08 + $0.04 is exactly the budget: within it. */
  ks_budget_confirm_async (GTK_WINDOW (parent), fixture->settings, fixture->library,
                           40000, NULL, confirm_cb, &answer);
  g_assert_true (ks_test_gui_wait_until (answered_or_asking, &answer, WAIT_MS));
  g_assert_true (answer.done);
  g_assert_true (answer.submit);
  g_assert_null (ks_test_gui_find_message_dialog ());

  /* No budget: never asks, whatever the cost. */
  g_settings_set_double (fixture->settings, "monthly-budget", 0.0);
  ks_budget_confirm_async (GTK_WINDOW (parent), fixture->settings, fixture->library,
                           G_GUINT64_CONSTANT (1000000000), NULL, confirm_cb, &uncapped);
  g_assert_true (ks_test_gui_wait_until (answered_or_asking, &uncapped, WAIT_MS));
  g_assert_true (uncapped.done);
  g_assert_true (uncapped.submit);
  g_assert_null (ks_test_gui_find_message_dialog ());

  gtk_window_destroy (GTK_WINDOW (parent));
}

/* Asks about an $0.08 job over a $0.12 budget with $0.08 spent. */
static AdwMessageDialog *
ask_over (Fixture      *fixture,
          GtkWidget    *parent,
          GCancellable *cancellable,
          Answer       *answer)
{
  AdwMessageDialog *dialog;

  ks_budget_confirm_async (GTK_WINDOW (parent), fixture->settings, fixture->library,
                           80000, cancellable, confirm_cb, answer);
  dialog = ks_test_gui_wait_message_dialog (WAIT_MS);
  g_assert_nonnull (dialog);
  g_assert_false (answer->done);

  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Over your monthly budget");
  g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==,
                   "This job costs $0.08. You have spent $0.08 of your $0.12 budget this month.");
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (parent));
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");
  g_assert_cmpstr (adw_message_dialog_get_close_response (dialog), ==, "cancel");
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "submit"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  g_assert_cmpstr (adw_message_dialog_get_response_label (dialog, "submit"), ==, "_Submit Anyway");
  return dialog;
}

static void
test_confirm_over (Fixture       *fixture,
                   gconstpointer  data)
{
  GtkWidget *parent = set_up_confirm (fixture, 0.12);
  Answer cancel = { 0 };
  Answer submit = { 0 };
  AdwMessageDialog *dialog;

  dialog = ask_over (fixture, parent, NULL, &cancel);
  ks_test_gui_screenshot (GTK_WIDGET (dialog), "budget-confirm.png");
  adw_message_dialog_response (dialog, "cancel");
  g_assert_true (ks_test_gui_wait_until (answered, &cancel, WAIT_MS));
  g_assert_false (cancel.submit);
  g_assert_true (ks_test_gui_wait_message_dialog_gone (WAIT_MS));

  dialog = ask_over (fixture, parent, NULL, &submit);
  adw_message_dialog_response (dialog, "submit");
  g_assert_true (ks_test_gui_wait_until (answered, &submit, WAIT_MS));
  g_assert_true (submit.submit);
  g_assert_true (ks_test_gui_wait_message_dialog_gone (WAIT_MS));

  gtk_window_destroy (GTK_WINDOW (parent));
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The buttons themselves, and closing the dialog, as a person would. */
static void
test_confirm_buttons (Fixture       *fixture,
                      gconstpointer  data)
{
  GtkWidget *parent = set_up_confirm (fixture, 0.12);
  Answer clicked = { 0 };
  Answer closed = { 0 };
  AdwMessageDialog *dialog;
  GtkWidget *button;

  dialog = ask_over (fixture, parent, NULL, &clicked);
  button = find_button (GTK_WIDGET (dialog), "_Submit Anyway");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (ks_test_gui_wait_until (answered, &clicked, WAIT_MS));
  g_assert_true (clicked.submit);
  g_assert_true (ks_test_gui_wait_message_dialog_gone (WAIT_MS));

  dialog = ask_over (fixture, parent, NULL, &closed);
  gtk_window_close (GTK_WINDOW (dialog));
  g_assert_true (ks_test_gui_wait_until (answered, &closed, WAIT_MS));
  g_assert_false (closed.submit);
  g_assert_true (ks_test_gui_wait_message_dialog_gone (WAIT_MS));

  gtk_window_destroy (GTK_WINDOW (parent));
}

static void
test_confirm_cancelled (Fixture       *fixture,
                        gconstpointer  data)
{
  GtkWidget *parent = set_up_confirm (fixture, 0.12);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  Answer answer = { 0 };
  Answer early = { 0 };

  ask_over (fixture, parent, cancellable, &answer);
  g_cancellable_cancel (cancellable);
  g_assert_true (ks_test_gui_wait_until (answered, &answer, WAIT_MS));
  g_assert_false (answer.submit);
  g_assert_true (ks_test_gui_wait_message_dialog_gone (WAIT_MS));

  /* Cancelled before asking: no dialog at all. */
  g_cancellable_cancel (cancelled);
  ks_budget_confirm_async (GTK_WINDOW (parent), fixture->settings, fixture->library,
                           80000, cancelled, confirm_cb, &early);
  g_assert_true (ks_test_gui_wait_until (answered, &early, WAIT_MS));
  g_assert_false (early.submit);
  g_assert_null (ks_test_gui_find_message_dialog ());

  gtk_window_destroy (GTK_WINDOW (parent));
}

int
main (int   argc,
      char *argv[])
{
  if (!ks_test_gui_setup (&argc, &argv))
    return 1;

  g_test_add ("/spending/sums", Fixture, NULL,
              fixture_set_up, test_spent_sums, fixture_tear_down);
  g_test_add ("/spending/describe", Fixture, NULL,
              fixture_set_up, test_describe, fixture_tear_down);
  g_test_add ("/budget/within", Fixture, NULL,
              fixture_set_up, test_confirm_within, fixture_tear_down);
  g_test_add ("/budget/over", Fixture, NULL,
              fixture_set_up, test_confirm_over, fixture_tear_down);
  g_test_add ("/budget/buttons", Fixture, NULL,
              fixture_set_up, test_confirm_buttons, fixture_tear_down);
  g_test_add ("/budget/cancelled", Fixture, NULL,
              fixture_set_up, test_confirm_cancelled, fixture_tear_down);

  return g_test_run ();
}
