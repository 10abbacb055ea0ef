/* Renders the screenshots under data/screenshots/ from the real window,
 * running the demo service: the studio empty, with jobs running, with
 * results (main.png, the one the metainfo shows first), and with a result
 * open (result.png). Registered in the "screenshots" suite; the PNGs land
 * in $KS_SCREENSHOT_DIR and are copied into data/screenshots/ by hand after
 * looking at them. Each step asserts what it shows. */

#define G_LOG_DOMAIN "make-screenshots"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-core.h"

#include "ks-application.h"
#include "ks-composer.h"
#include "ks-gallery.h"
#include "ks-session.h"
#include "ks-test-gui.h"
#include "ks-viewer.h"
#include "ks-window.h"

#define DEADLINE_MS 60000

typedef struct
{
  KsWindow  *window;
  KsSession *session;
  KsJob     *job;
  guint      n;
  guint      n_before;
  /* The gallery holds a job only while it runs: these stay followable. */
  GPtrArray *jobs;
} State;

static gboolean
transitions_running (GtkWidget *widget)
{
  if (GTK_IS_STACK (widget) && gtk_stack_get_transition_running (GTK_STACK (widget)))
    return TRUE;
  if (GTK_IS_REVEALER (widget) &&
      gtk_revealer_get_reveal_child (GTK_REVEALER (widget)) != gtk_revealer_get_child_revealed (GTK_REVEALER (widget)))
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (transitions_running (child))
      return TRUE;

  return FALSE;
}

static gboolean
at_rest (gpointer data)
{
  State *state = data;

  return !transitions_running (GTK_WIDGET (state->window));
}

static void
shoot (State      *state,
       const char *name)
{
  ks_test_gui_wait_until (at_rest, state, 5000);
  /* Thumbnails are scaled in threads: give them a moment to land. */
  ks_test_gui_spin (400);
  ks_test_gui_wait_frames (GTK_WIDGET (state->window), 5);
  /* A blank or half-drawn render has a few dozen colours; the empty
   * studio, the plainest of these, about 500. */
  g_assert_cmpuint (ks_test_gui_screenshot (GTK_WIDGET (state->window), name), >, 200);
}

static gboolean
job_done (gpointer data)
{
  State *state = data;

  return ks_job_state_is_finished (ks_job_get_state (state->job));
}

static gboolean
all_done (gpointer data)
{
  State *state = data;

  return ks_session_get_n_running (state->session) == 0;
}

static gboolean
queue_visible (gpointer data)
{
  State *state = data;

  /* Two jobs generating and one waiting its turn. */
  return state->job != NULL &&
         ks_job_get_state (state->job) == KS_JOB_STATE_IN_QUEUE &&
         ks_job_get_queue_position (state->job) >= 0;
}

static gboolean
n_references_is (gpointer data)
{
  State *state = data;

  return ks_composer_get_n_references (ks_window_get_composer (state->window)) == state->n;
}

static gboolean
can_submit (gpointer data)
{
  State *state = data;

  return ks_composer_get_can_submit (ks_window_get_composer (state->window));
}

static gboolean
tile_added (gpointer data)
{
  State *state = data;

  return g_list_model_get_n_items (ks_session_get_items (state->session)) > state->n_before;
}

static KsJob *
submit (State      *state,
        const char *prompt)
{
  g_autoptr(KsGalleryItem) item = NULL;

  ks_composer_set_prompt (ks_window_get_composer (state->window), prompt);
  g_assert_true (ks_test_gui_wait_until (can_submit, state, DEADLINE_MS));
  state->n_before = g_list_model_get_n_items (ks_session_get_items (state->session));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (state->window), "win.generate", NULL));
  /* The budget check answers first (no budget is set: at once). */
  g_assert_true (ks_test_gui_wait_until (tile_added, state, DEADLINE_MS));

  item = g_list_model_get_item (ks_session_get_items (state->session), 0);
  g_ptr_array_add (state->jobs, g_object_ref (ks_gallery_item_get_job (item)));
  return ks_gallery_item_get_job (item);
}

static void
make_screenshots (void)
{
  g_autoptr(KsApplication) app = ks_application_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KsGalleryItem) reference = NULL;
  g_autoptr(KsGalleryItem) newest = NULL;
  GSettings *settings;
  State state = { 0 };
  GtkWidget *gallery;

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  settings = ks_application_get_settings (app);
  g_settings_set_string (settings, "aspect-ratio", "match");
  state.session = ks_session_new (settings);
  state.jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_assert_true (ks_session_start_demo (state.session, &error));
  g_assert_no_error (error);

  state.window = g_object_new (KS_TYPE_WINDOW,
                               "application", app,
                               "session", state.session,
                               NULL);
  gtk_window_set_default_size (GTK_WINDOW (state.window), 1280, 800);
  gtk_window_present (GTK_WINDOW (state.window));
  ks_test_gui_wait_frames (GTK_WIDGET (state.window), 5);

  /* 1. Empty: the first thing seen after choosing a service. */
  g_assert_cmpuint (g_list_model_get_n_items (ks_session_get_items (state.session)), ==, 0);
  shoot (&state, "empty.png");

  /* A picture to edit, made by the service itself, then used as reference. */
  state.job = submit (&state, "A sunlit kitchen counter with a bag of flour");
  g_assert_true (ks_test_gui_wait_until (job_done, &state, DEADLINE_MS));
  g_assert_cmpint (ks_job_get_state (state.job), ==, KS_JOB_STATE_COMPLETED);
  reference = g_list_model_get_item (ks_session_get_items (state.session), 0);
  ks_composer_use_item (ks_window_get_composer (state.window), reference);
  state.n = 1;
  g_assert_true (ks_test_gui_wait_until (n_references_is, &state, DEADLINE_MS));

  /* 2. Running: two generating, one waiting in the queue. */
  submit (&state, "Make it a rainy evening");
  submit (&state, "Add a cup of coffee beside the flour");
  state.job = submit (&state, "Put a donut next to the flour");
  g_assert_true (ks_test_gui_wait_until (queue_visible, &state, DEADLINE_MS));
  ks_test_gui_spin (1800);
  shoot (&state, "running.png");

  /* 3. Results, with the instruction of the next edit typed: main.png. */
  g_assert_true (ks_test_gui_wait_until (all_done, &state, DEADLINE_MS));
  g_assert_cmpuint (g_list_model_get_n_items (ks_session_get_items (state.session)), ==, 4);
  ks_composer_set_prompt (ks_window_get_composer (state.window), "Put a donut next to the flour");
  shoot (&state, "main.png");

  /* 4. A result open beside its parameters: result.png. */
  newest = g_list_model_get_item (ks_session_get_items (state.session), 0);
  g_assert_nonnull (ks_gallery_item_get_image (newest));
  gallery = ks_test_gui_find_by_type (GTK_WIDGET (state.window), KS_TYPE_GALLERY);
  g_signal_emit_by_name (gallery, "item-activated", newest);
  g_assert_true (ks_viewer_get_item (KS_VIEWER (ks_test_gui_find_by_type (GTK_WIDGET (state.window), KS_TYPE_VIEWER))) == newest);
  shoot (&state, "result.png");

  gtk_window_destroy (GTK_WINDOW (state.window));
  ks_test_gui_spin (50);
  g_clear_pointer (&state.jobs, g_ptr_array_unref);
  g_clear_object (&state.session);
}

int
main (int   argc,
      char *argv[])
{
  if (!ks_test_gui_setup (&argc, &argv))
    return g_test_run ();

  g_test_add_func ("/screenshots/studio", make_screenshots);

  return g_test_run ();
}
