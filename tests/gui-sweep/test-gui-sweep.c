/* Sweeps from the window, under a display, against the local
 * fal-compatible server: the dialog shows the cost and refuses a bad
 * guidance list in words; a sweep of four seeds submits four jobs with
 * four distinct seeds, and they land in one contact sheet labelled by
 * seed, from which a result goes back to the composer. Screenshots:
 * sweep-dialog.png, sweep-dialog-error.png, contact-sheet.png. */

#define G_LOG_DOMAIN "test-gui-sweep"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-core.h"

#include "ks-application.h"
#include "ks-composer.h"
#include "ks-contact-sheet.h"
#include "ks-gallery-tile.h"
#include "ks-session.h"
#include "ks-sweep-dialog.h"
#include "ks-test-gui.h"
#include "ks-window.h"

#define TEST_KEY "test-id:test-secret"
#define DEADLINE_MS 30000

/* One application for the whole run: a registered application cannot be
 * registered twice in one process. Each test has its own session. */
static KsApplication *app;

typedef struct
{
  KsSimServer   *server;
  KsSession     *session;
  KsWindow      *window;
} Fixture;

/* ---- fixture ------------------------------------------------------------ */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->server = ks_sim_server_new ();
  g_object_set (fixture->server,
                "queue-delay", 200,
                "run-time", 500,
                "log-lines", 2,
                "workers", 2,
                "ping-interval", 200,
                NULL);
  g_assert_true (ks_sim_server_listen (fixture->server, 0, &error));
  g_assert_no_error (error);

  if (app == NULL)
    {
      app = ks_application_new ();
      g_application_set_flags (G_APPLICATION (app),
                               G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
      g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
      g_assert_no_error (error);
    }

  fixture->session = ks_session_new (ks_application_get_settings (app));
  ks_session_use_service (fixture->session, ks_sim_server_get_base_url (fixture->server), TEST_KEY);
  g_object_set (ks_session_get_client (fixture->session),
                "retry-base-delay", 10,
                "poll-interval", 50,
                NULL);

  fixture->window = g_object_new (KS_TYPE_WINDOW,
                                  "application", app,
                                  "session", fixture->session,
                                  NULL);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (fixture->window));
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 3);
}

static gboolean
nothing_running (gpointer data)
{
  Fixture *fixture = data;

  return ks_session_get_n_running (fixture->session) == 0;
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  ks_test_gui_wait_until (nothing_running, fixture, DEADLINE_MS);

  /* The dialog and the sheets go with their parent. */
  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  ks_test_gui_spin (50);
  g_assert_null (fixture->window);

  g_assert_finalize_object (fixture->session);
  g_clear_object (&fixture->server);
}

/* ---- helpers ------------------------------------------------------------ */

/* The first shown "Sweep" button of a gallery tile under @root. */
static GtkWidget *
find_visible_sweep_button (GtkWidget *root)
{
  if (!gtk_widget_get_visible (root))
    return NULL;
  if (GTK_IS_BUTTON (root) &&
      g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (root)), "sweep_button") == 0 &&
      gtk_widget_get_ancestor (root, KS_TYPE_GALLERY_TILE) != NULL)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_visible_sweep_button (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static KsComposer *
get_composer (Fixture *fixture)
{
  return ks_window_get_composer (fixture->window);
}

/* The toplevel of @type, or NULL. */
static GtkWidget *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWidget *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (window))
        {
          g_assert_null (found);
          found = window;
        }
    }

  return found;
}

static gboolean
dialog_is_up (gpointer data)
{
  GtkWidget *dialog = find_toplevel (KS_TYPE_SWEEP_DIALOG);

  return dialog != NULL && gtk_widget_get_mapped (dialog);
}

static gboolean
dialog_is_gone (gpointer data)
{
  return find_toplevel (KS_TYPE_SWEEP_DIALOG) == NULL;
}

static gboolean
sheet_is_up (gpointer data)
{
  GtkWidget *sheet = find_toplevel (KS_TYPE_CONTACT_SHEET);

  return sheet != NULL && gtk_widget_get_mapped (sheet);
}

static gboolean
can_submit (gpointer data)
{
  return ks_composer_get_can_submit (data);
}

static void
wait_for (gboolean  (*predicate) (gpointer),
          gpointer    data,
          const char *what)
{
  if (!ks_test_gui_wait_until (predicate, data, DEADLINE_MS))
    g_error ("Gave up waiting for %s after %d s", what, DEADLINE_MS / 1000);
}

/* What a click does, at once (gtk_widget_activate() animates first). */
static void
click (GtkWidget *button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

/* Types a prompt and opens "Sweep…" from the composer's button. */
static KsSweepDialog *
open_dialog (Fixture    *fixture,
             const char *prompt)
{
  GtkWidget *button;

  ks_composer_set_prompt (get_composer (fixture), prompt);
  wait_for (can_submit, get_composer (fixture), "Generate to be possible");

  button = ks_test_gui_get (GTK_WIDGET (fixture->window), "sweep_button");
  g_assert_true (gtk_widget_get_mapped (button));
  click (button);
  wait_for (dialog_is_up, NULL, "the sweep dialog");

  return KS_SWEEP_DIALOG (find_toplevel (KS_TYPE_SWEEP_DIALOG));
}

static void
screenshot (GtkWidget  *widget,
            const char *name)
{
  guint n_colours;

  ks_test_gui_wait_frames (widget, 5);
  n_colours = ks_test_gui_screenshot (widget, name);
  /* A blank window has a handful of colours; text and images give more. */
  g_assert_cmpuint (n_colours, >, 30);
}

/* ---- the dialog ---------------------------------------------------------- */

static void
test_dialog (Fixture       *fixture,
             gconstpointer  data)
{
  KsSweepDialog *dialog = open_dialog (fixture, "A lighthouse at dusk, oil painting");
  GtkWidget *submit = ks_test_gui_get (GTK_WIDGET (dialog), "submit_button");
  GtkWidget *error_label = ks_test_gui_get (GTK_WIDGET (dialog), "error_label");
  guint64 price = ks_endpoint_get_price_per_image (ks_params_get_endpoint (ks_composer_get_params (get_composer (fixture))));
  g_autofree char *four = ks_format_price (4 * price);
  g_autofree char *expected = g_strdup_printf ("4 jobs · 4 images · %s", four);
  g_autofree char *six = ks_format_price (6 * price);
  g_autofree char *expected_six = g_strdup_printf ("6 jobs · 6 images · %s", six);

  /* Seeds by default, four of them, the total before anything is sent. */
  g_assert_cmpint (ks_sweep_dialog_get_kind (dialog), ==, KS_SWEEP_SEEDS);
  g_assert_cmpstr (ks_test_gui_label_text (GTK_WIDGET (dialog), "summary_label"), ==, expected);
  g_assert_true (gtk_widget_is_sensitive (submit));
  g_assert_false (gtk_widget_get_visible (error_label));

  ks_sweep_dialog_set_n_seeds (dialog, 6);
  g_assert_cmpstr (ks_test_gui_label_text (GTK_WIDGET (dialog), "summary_label"), ==, expected_six);
  ks_sweep_dialog_set_n_seeds (dialog, 4);
  screenshot (GTK_WIDGET (dialog), "sweep-dialog.png");

  /* Guidance: a value out of range disables Submit and says why. */
  ks_sweep_dialog_set_kind (dialog, KS_SWEEP_GUIDANCE);
  ks_sweep_dialog_set_guidance_text (dialog, "2, 3.5, 25");
  ks_test_gui_wait_frames (GTK_WIDGET (dialog), 2);
  g_assert_false (gtk_widget_is_sensitive (submit));
  g_assert_false (ks_sweep_dialog_get_can_submit (dialog));
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (error_label)), ==,
                   "Guidance 25.0 is out of range: use values between 1.0 and 20.0.");
  g_assert_false (gtk_widget_get_visible (ks_test_gui_get (GTK_WIDGET (dialog), "summary_label")));
  screenshot (GTK_WIDGET (dialog), "sweep-dialog-error.png");

  /* Not a number: named. */
  ks_sweep_dialog_set_guidance_text (dialog, "2, three, 5");
  g_assert_false (gtk_widget_is_sensitive (submit));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (error_label)), "“three” is not a number"));

  /* Mended: Submit comes back with the new total. */
  ks_sweep_dialog_set_guidance_text (dialog, "2, 3.5, 5, 7");
  g_assert_true (gtk_widget_is_sensitive (submit));
  g_assert_false (gtk_widget_get_visible (error_label));
  g_assert_cmpstr (ks_test_gui_label_text (GTK_WIDGET (dialog), "summary_label"), ==, expected);

  /* Cancel sends nothing. */
  gtk_window_close (GTK_WINDOW (dialog));
  wait_for (dialog_is_gone, NULL, "the dialog to close");
  ks_test_gui_spin (100);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (ks_session_get_items (fixture->session)), ==, 0);
}

/* ---- a sweep of four seeds ----------------------------------------------- */

static gboolean
sheet_done (gpointer data)
{
  GListModel *shown = ks_contact_sheet_get_shown_model (data);
  guint n = g_list_model_get_n_items (shown);

  if (n != 4)
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsGalleryItem) item = g_list_model_get_item (shown, i);
      const KsRecordImage *image = ks_gallery_item_get_image (item);

      if (image == NULL || image->file == NULL || ks_gallery_item_get_thumbnail (item) == NULL)
        return FALSE;
    }

  return TRUE;
}

/* The texts of the mapped labels named "batch_label" under @root. */
static void
collect_labels (GtkWidget *root,
                GPtrArray *texts)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_widget_get_name (root), "batch_label") == 0 &&
      gtk_widget_get_mapped (root))
    g_ptr_array_add (texts, g_strdup (gtk_label_get_label (GTK_LABEL (root))));

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, texts);
}

static gboolean
has_string (GPtrArray  *texts,
            const char *text)
{
  return g_ptr_array_find_with_equal_func (texts, text, g_str_equal, NULL);
}

static gboolean
has_parent (gpointer data)
{
  return ks_composer_get_parent (data, NULL) != NULL;
}

static void
test_sweep_seeds (Fixture       *fixture,
                  gconstpointer  data)
{
  KsSweepDialog *dialog = open_dialog (fixture, "A lighthouse at dusk, oil painting");
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  KsContactSheet *sheet;
  GListModel *shown;
  const char *batch_id = NULL;
  guint parent_image = 99;

  ks_sweep_dialog_set_n_seeds (dialog, 4);
  click (ks_test_gui_get (GTK_WIDGET (dialog), "submit_button"));
  wait_for (dialog_is_gone, NULL, "the dialog to close");

  /* The contact sheet opens by itself and fills in. */
  wait_for (sheet_is_up, NULL, "the contact sheet");
  sheet = KS_CONTACT_SHEET (find_toplevel (KS_TYPE_CONTACT_SHEET));
  wait_for (sheet_done, sheet, "four images on the contact sheet");
  shown = ks_contact_sheet_get_shown_model (sheet);

  /* Four submits, four distinct seeds. */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 4);
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      JsonNode *input = ks_sim_server_get_job_input (fixture->server, i);
      guint64 seed = 0;

      g_assert_true (ks_json_get_uint64_member (json_node_get_object (input), "seed", &seed));
      g_hash_table_add (sent, g_strdup_printf ("%" G_GUINT64_FORMAT, seed));
    }
  g_assert_cmpuint (g_hash_table_size (sent), ==, 4);

  /* One batch, each tile labelled by the seed the server was sent. */
  ks_test_gui_wait_frames (GTK_WIDGET (sheet), 3);
  collect_labels (GTK_WIDGET (sheet), labels);
  g_assert_cmpuint (labels->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(KsGalleryItem) item = g_list_model_get_item (shown, i);
      KsRecord *record = ks_gallery_item_get_record (item);
      g_autofree char *label = g_strdup_printf ("Seed %s", ks_record_get_seed (record));

      if (batch_id == NULL)
        batch_id = ks_record_get_batch_id (record);
      g_assert_nonnull (batch_id);
      g_assert_cmpstr (ks_record_get_batch_id (record), ==, batch_id);
      g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_COMPLETED);
      g_assert_true (g_hash_table_contains (sent, ks_record_get_seed (record)));
      g_assert_cmpstr (ks_record_get_batch_label (record), ==, label);
      g_assert_true (has_string (labels, label));
    }
  g_assert_cmpstr (ks_contact_sheet_get_batch_id (sheet), ==, batch_id);
  g_assert_nonnull (strstr (ks_test_gui_label_text (GTK_WIDGET (sheet), "progress_label"),
                            "All 4 jobs are done"));

  screenshot (GTK_WIDGET (sheet), "contact-sheet.png");

  /* Pick the third: "Use as Reference" makes it the composer's reference
   * and parent. */
  ks_contact_sheet_select (sheet, 2);
  {
    g_autoptr(KsGalleryItem) picked = g_list_model_get_item (shown, 2);

    click (ks_test_gui_get (GTK_WIDGET (sheet), "use_button"));
    /* The image is read off the main thread first. */
    wait_for (has_parent, get_composer (fixture), "the picked image as the reference");
    g_assert_cmpuint (ks_composer_get_n_references (get_composer (fixture)), ==, 1);
    g_assert_cmpstr (ks_composer_get_parent (get_composer (fixture), &parent_image), ==,
                     ks_record_get_id (ks_gallery_item_get_record (picked)));
    g_assert_cmpuint (parent_image, ==, 0);
  }

  /* From the toast's action the same sheet comes back, not a second one. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.show-batch", "s", batch_id);
  g_assert_true (KS_CONTACT_SHEET (find_toplevel (KS_TYPE_CONTACT_SHEET)) == sheet);

  /* A sweep's result in the gallery leads back to its sheet as well. */
  gtk_window_destroy (GTK_WINDOW (sheet));
  g_assert_null (find_toplevel (KS_TYPE_CONTACT_SHEET));
  {
    GtkWidget *button = find_visible_sweep_button (GTK_WIDGET (fixture->window));
    KsContactSheet *again;

    g_assert_nonnull (button);
    g_assert_cmpstr (g_variant_get_string (gtk_actionable_get_action_target_value (GTK_ACTIONABLE (button)), NULL),
                     ==, batch_id);
    click (button);
    again = KS_CONTACT_SHEET (find_toplevel (KS_TYPE_CONTACT_SHEET));
    g_assert_nonnull (again);
    g_assert_cmpstr (ks_contact_sheet_get_batch_id (again), ==, batch_id);
  }
}

int
main (int   argc,
      char *argv[])
{
  if (!ks_test_gui_setup (&argc, &argv))
    return 1;

  g_test_add ("/gui-sweep/dialog", Fixture, NULL, fixture_set_up, test_dialog, fixture_tear_down);
  g_test_add ("/gui-sweep/seeds", Fixture, NULL, fixture_set_up, test_sweep_seeds, fixture_tear_down);

  return g_test_run ();
}
