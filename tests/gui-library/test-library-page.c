/* The Library page of the preferences: where the library is, its size,
 * the trash (emptying it frees the space) and spending with the monthly
 * budget, on the session's library in the test's own data dir. */

#include "config.h"

#include <string.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "ks-application.h"
#include "ks-core.h"
#include "ks-preferences-window.h"
#include "ks-session.h"
#include "ks-test-gui.h"

#define WAIT_MS 20000

typedef struct
{
  GSettings *settings;
  KsSession *session;
  KsLibrary *library;   /* the session's */
  GtkWidget *window;
} Fixture;

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
  guint64   total;
  guint64   in_trash;
} Wait;

static gboolean
wait_done (gpointer data)
{
  return ((Wait *) data)->done;
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = ks_library_load_finish (KS_LIBRARY (object), result, NULL, &wait->error);
  wait->done = TRUE;
}

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = ks_library_save_finish (KS_LIBRARY (object), result, &wait->error);
  wait->done = TRUE;
}

static void
store_image_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = ks_library_store_image_finish (KS_LIBRARY (object), result, &wait->error);
  wait->done = TRUE;
}

static void
measure_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = ks_library_measure_finish (KS_LIBRARY (object), result,
                                        &wait->total, &wait->in_trash, &wait->error);
  wait->done = TRUE;
}

static void
finish_wait (Wait *wait)
{
  g_assert_true (ks_test_gui_wait_until (wait_done, wait, WAIT_MS));
  g_assert_no_error (wait->error);
  g_assert_true (wait->ok);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  Wait load = { 0 };

  fixture->settings = g_settings_new_with_backend (KS_SETTINGS_SCHEMA_ID, backend);
  fixture->session = ks_session_new (fixture->settings);
  fixture->library = ks_session_get_library (fixture->session);
  g_assert_true (KS_IS_LIBRARY (fixture->library));

  /* Whether or not the session has started loading, this waits for it. */
  ks_library_load_async (fixture->library, NULL, load_cb, &load);
  finish_wait (&load);
  g_assert_true (ks_library_get_loaded (fixture->library));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->window));
  ks_test_gui_spin (50);
  ks_library_flush (fixture->library);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->settings);
}

/* A finished [pro] job of one image, submitted now, with @size bytes of
 * image written into the library. */
static KsRecord *
add_job (Fixture *fixture,
         gsize    size)
{
  g_autoptr(KsParams) params = ks_params_new (ks_endpoint_find (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE));
  g_autoptr(KsRecord) record = NULL;
  g_autoptr(GBytes) bytes = NULL;
  KsRecordImage image = { 0 };
  Wait saved = { 0 };
  Wait stored = { 0 };
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 131 + 7);
  bytes = g_bytes_new_take (data, size);

  ks_params_set_prompt (params, "a red kite over the hills");
  record = ks_record_new (params, "http://127.0.0.1:1", TRUE);
  ks_record_set_submitted (record, g_get_real_time ());
  ks_record_set_state (record, KS_RECORD_STATE_COMPLETED);
  ks_library_add (fixture->library, record);
  ks_library_save_async (fixture->library, record, NULL, save_cb, &saved);
  finish_wait (&saved);

  image.index = 0;
  image.url = (char *) "https://example.invalid/result-0.png";
  image.content_type = (char *) "image/png";
  image.width = 64;
  image.height = 64;
  ks_library_store_image_async (fixture->library, record, &image, bytes, NULL,
                                store_image_cb, &stored);
  finish_wait (&stored);
  g_assert_nonnull (ks_record_get_image (record, 0));
  g_assert_nonnull (ks_record_get_image (record, 0)->file);

  return record;  /* the library keeps it */
}

static GFile *
record_file (Fixture  *fixture,
             KsRecord *record)
{
  g_autofree char *name = g_strconcat (ks_record_get_id (record), ".json", NULL);
  g_autoptr(GFile) records = g_file_get_child (ks_library_get_directory (fixture->library), "records");

  return g_file_get_child (records, name);
}

static GFile *
image_file (Fixture  *fixture,
            KsRecord *record)
{
  return ks_library_resolve (fixture->library, ks_record_get_image (record, 0)->file);
}

static GtkWidget *
find (Fixture    *fixture,
      const char *name)
{
  return ks_test_gui_get (fixture->window, name);
}

static const char *
subtitle (Fixture    *fixture,
          const char *row_name)
{
  return ks_test_gui_row_subtitle (fixture->window, row_name);
}

static void
open_window (Fixture *fixture)
{
  fixture->window = ks_preferences_window_new (NULL, fixture->session);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (fixture->window), "library");
  gtk_window_present (GTK_WINDOW (fixture->window));
  ks_test_gui_wait_frames (fixture->window, 2);
}

typedef struct
{
  Fixture    *fixture;
  const char *row;
  const char *text;
} RowText;

static gboolean
row_says (gpointer data)
{
  RowText *expect = data;

  return g_strcmp0 (subtitle (expect->fixture, expect->row), expect->text) == 0;
}

/* Measures the library as the page should show it. */
static char *
expected_size (Fixture *fixture,
               guint64 *total,
               guint64 *in_trash)
{
  Wait measured = { 0 };
  g_autofree char *total_text = NULL;

  ks_library_measure_async (fixture->library, NULL, measure_cb, &measured);
  finish_wait (&measured);
  *total = measured.total;
  *in_trash = measured.in_trash;

  total_text = g_format_size (measured.total);
  if (measured.in_trash == 0)
    return g_steal_pointer (&total_text);

  {
    g_autofree char *trash_text = g_format_size (measured.in_trash);

    return g_strdup_printf ("%s, %s in the trash", total_text, trash_text);
  }
}

static AdwMessageDialog *
ask_to_empty (Fixture *fixture)
{
  AdwMessageDialog *dialog;

  g_assert_true (gtk_widget_get_sensitive (find (fixture, "empty_trash_button")));
  g_signal_emit_by_name (find (fixture, "empty_trash_button"), "clicked");
  dialog = ks_test_gui_wait_message_dialog (WAIT_MS);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Empty the Trash?");
  g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==,
                   "The job in the trash and its images will be deleted for good.");
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");
  return dialog;
}

typedef struct
{
  Fixture *fixture;
  GFile   *gone[2];
  char    *size;
} Emptied;

static gboolean
trash_emptied (gpointer data)
{
  Emptied *emptied = data;
  gboolean spinning;

  for (guint i = 0; i < G_N_ELEMENTS (emptied->gone); i++)
    if (g_file_query_exists (emptied->gone[i], NULL))
      return FALSE;

  g_object_get (find (emptied->fixture, "size_spinner"), "spinning", &spinning, NULL);
  return !spinning && strstr (subtitle (emptied->fixture, "size_row"), "in the trash") == NULL;
}

static void
test_library_page (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = g_file_get_path (ks_library_get_directory (fixture->library));
  g_autofree char *size_before = NULL;
  g_autofree char *size_after = NULL;
  g_autoptr(GFile) kept_record = NULL;
  g_autoptr(GFile) kept_image = NULL;
  Emptied emptied = { fixture, { NULL, NULL }, NULL };
  AdwMessageDialog *dialog;
  KsRecord *trashed;
  KsRecord *kept;
  guint64 total_before, trash_before, total_after, trash_after;
  RowText size_row = { fixture, "size_row", NULL };
  RowText spent_row = { fixture, "spent_row", NULL };

  trashed = add_job (fixture, 300000);
  kept = add_job (fixture, 100000);
  ks_library_trash (fixture->library, trashed);
  ks_library_flush (fixture->library);

  emptied.gone[0] = record_file (fixture, trashed);
  emptied.gone[1] = image_file (fixture, trashed);
  kept_record = record_file (fixture, kept);
  kept_image = image_file (fixture, kept);
  for (guint i = 0; i < 2; i++)
    g_assert_true (g_file_query_exists (emptied.gone[i], NULL));
  g_assert_true (g_file_query_exists (kept_record, NULL));
  g_assert_true (g_file_query_exists (kept_image, NULL));

  size_before = expected_size (fixture, &total_before, &trash_before);
  g_test_message ("Before: %s (%" G_GUINT64_FORMAT " bytes, %" G_GUINT64_FORMAT " in the trash)",
                  size_before, total_before, trash_before);
  g_assert_cmpuint (trash_before, >=, 300000);
  g_assert_cmpuint (total_before, >=, 400000);

  open_window (fixture);

  /* Where it is, how big, what is in the trash, what it cost. */
  /* The test's data dir is outside its home: the full path. */
  g_assert_false (g_str_has_prefix (path, g_get_home_dir ()));
  g_assert_cmpstr (subtitle (fixture, "location_row"), ==, path);
  size_row.text = size_before;
  g_assert_true (ks_test_gui_wait_until (row_says, &size_row, WAIT_MS));
  g_assert_cmpstr (subtitle (fixture, "trash_row"), ==, "1 job, kept until the trash is emptied");
  g_assert_cmpstr (subtitle (fixture, "spent_row"), ==, "$0.08 today · $0.08 this month");

  /* The budget row is the key; the spending line follows it. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find (fixture, "budget_spin")), 5.0);
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (fixture->settings, "monthly-budget"), 5.0, 1e-9);
  spent_row.text = "$0.08 today · $0.08 this month of $5.00";
  g_assert_true (ks_test_gui_wait_until (row_says, &spent_row, WAIT_MS));
  g_settings_set_double (fixture->settings, "monthly-budget", 12.5);
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (GTK_SPIN_BUTTON (find (fixture, "budget_spin"))),
                                  12.5, 1e-9);

  ks_test_gui_spin (400);
  g_assert_cmpuint (ks_test_gui_screenshot (fixture->window, "preferences-library.png"), >, 8);

  /* Cancel keeps everything. */
  dialog = ask_to_empty (fixture);
  adw_message_dialog_response (dialog, "cancel");
  g_assert_true (ks_test_gui_wait_message_dialog_gone (WAIT_MS));
  ks_test_gui_spin (200);
  for (guint i = 0; i < 2; i++)
    g_assert_true (g_file_query_exists (emptied.gone[i], NULL));
  g_assert_cmpuint (g_list_model_get_n_items (ks_library_get_trash (fixture->library)), ==, 1);

  /* Empty: the files go, the size follows, the button has nothing to do. */
  dialog = ask_to_empty (fixture);
  adw_message_dialog_response (dialog, "empty");
  g_assert_true (ks_test_gui_wait_message_dialog_gone (WAIT_MS));
  g_assert_true (ks_test_gui_wait_until (trash_emptied, &emptied, WAIT_MS));
  g_assert_true (g_file_query_exists (kept_record, NULL));
  g_assert_true (g_file_query_exists (kept_image, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (ks_library_get_trash (fixture->library)), ==, 0);

  size_after = expected_size (fixture, &total_after, &trash_after);
  g_test_message ("After: %s (%" G_GUINT64_FORMAT " bytes)", size_after, total_after);
  g_assert_cmpuint (trash_after, ==, 0);
  g_assert_cmpuint (total_after, <=, total_before - 300000);
  g_assert_cmpstr (subtitle (fixture, "size_row"), ==, size_after);
  g_assert_cmpstr (subtitle (fixture, "trash_row"), ==,
                   "Empty. Jobs you delete stay here until the trash is emptied.");
  g_assert_false (gtk_widget_get_sensitive (find (fixture, "empty_trash_button")));
  /* The money was spent all the same. */
  g_assert_cmpstr (subtitle (fixture, "spent_row"), ==, "$0.08 today · $0.08 this month of $12.50");
  /* What was freed is what the trash held. */
  {
    g_autofree char *freed = g_format_size (trash_before);
    g_autofree char *toast = g_strdup_printf ("Trash emptied: %s freed", freed);

    g_assert_nonnull (ks_test_gui_find_text (fixture->window, toast));
  }

  ks_test_gui_spin (400);
  ks_test_gui_screenshot (fixture->window, "preferences-library-emptied.png");

  for (guint i = 0; i < 2; i++)
    g_clear_object (&emptied.gone[i]);
}

/* Nothing in the trash: nothing to empty. */
static void
test_empty_library (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *size = NULL;
  guint64 total, in_trash;
  RowText size_row = { fixture, "size_row", NULL };

  size = expected_size (fixture, &total, &in_trash);
  open_window (fixture);

  size_row.text = size;
  g_assert_true (ks_test_gui_wait_until (row_says, &size_row, WAIT_MS));
  g_assert_cmpstr (subtitle (fixture, "spent_row"), ==, "$0.00 today · $0.00 this month");
  g_assert_false (gtk_widget_get_sensitive (find (fixture, "empty_trash_button")));
  g_assert_true (gtk_widget_get_sensitive (find (fixture, "open_folder_button")));
}

int
main (int   argc,
      char *argv[])
{
  if (!ks_test_gui_setup (&argc, &argv))
    return 1;

  g_test_add ("/library-page/size-and-trash", Fixture, NULL,
              fixture_set_up, test_library_page, fixture_tear_down);
  g_test_add ("/library-page/empty", Fixture, NULL,
              fixture_set_up, test_empty_library, fixture_tear_down);

  return g_test_run ();
}
