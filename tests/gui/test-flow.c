/* The whole window under a display, against the local fal-compatible
 * server: compose, submit, watch the tile, use the result as the next
 * reference, cancel, fail and retry, the welcome page and the demo, and
 * the banner for a refused key. Every test saves a screenshot. */

#define G_LOG_DOMAIN "test-flow"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-core.h"

#include "ks-application.h"
#include "ks-composer.h"
#include "ks-gallery.h"
#include "ks-gallery-tile.h"
#include "ks-session.h"
#include "ks-test-gui.h"
#include "ks-viewer.h"
#include "ks-window.h"

#define TEST_KEY "test-id:test-secret"
#define DEADLINE_MS 30000

/* One application for the whole run: a registered application cannot be
 * registered twice in one process. Each test has its own session. */
static KsApplication *app;

typedef struct
{
  KsSimServer   *server;
  KsApplication *app;
  KsSession     *session;
  KsWindow      *window;
  /* The jobs a test follows: the gallery holds a job only while it runs. */
  GPtrArray     *jobs;
} Fixture;

/* ---- fixture ------------------------------------------------------------ */

static void
make_window (Fixture *fixture)
{
  fixture->window = g_object_new (KS_TYPE_WINDOW,
                                  "application", fixture->app,
                                  "session", fixture->session,
                                  NULL);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (fixture->window));
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 3);
}

static void
use_server (Fixture *fixture)
{
  ks_session_use_service (fixture->session,
                          ks_sim_server_get_base_url (fixture->server),
                          TEST_KEY);
  g_object_set (ks_session_get_client (fixture->session),
                "retry-base-delay", 10,
                "poll-interval", 50,
                NULL);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gboolean with_service = GPOINTER_TO_INT (data);

  fixture->server = ks_sim_server_new ();
  g_object_set (fixture->server,
                "queue-delay", 300,
                "run-time", 900,
                "log-lines", 3,
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
  fixture->app = app;
  fixture->jobs = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->session = ks_session_new (ks_application_get_settings (app));
  if (with_service)
    use_server (fixture);

  make_window (fixture);
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
  /* Let the jobs end on their own so nothing is cut off mid-request. */
  ks_test_gui_wait_until (nothing_running, fixture, DEADLINE_MS);

  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  ks_test_gui_spin (50);
  g_assert_null (fixture->window);

  g_clear_pointer (&fixture->jobs, g_ptr_array_unref);
  g_assert_finalize_object (fixture->session);
  g_clear_object (&fixture->server);
}

/* ---- helpers ------------------------------------------------------------ */

static KsComposer *
get_composer (Fixture *fixture)
{
  return ks_window_get_composer (fixture->window);
}

static GtkWidget *
find_child (Fixture    *fixture,
            const char *name)
{
  GtkWidget *widget = ks_test_gui_find_by_name (GTK_WIDGET (fixture->window), name);

  g_assert_nonnull (widget);
  return widget;
}

static const char *
visible_page (Fixture *fixture)
{
  return gtk_stack_get_visible_child_name (GTK_STACK (find_child (fixture, "main_stack")));
}

static guint
n_items (Fixture *fixture)
{
  return g_list_model_get_n_items (ks_session_get_items (fixture->session));
}

static KsGalleryItem *
get_item (Fixture *fixture,
          guint    position)
{
  g_autoptr(KsGalleryItem) item = g_list_model_get_item (ks_session_get_items (fixture->session), position);

  /* The store keeps it alive. */
  return item;
}

static GtkWidget *
find_tile (GtkWidget     *root,
           KsGalleryItem *item)
{
  if (KS_IS_GALLERY_TILE (root) &&
      ks_gallery_tile_get_item (KS_GALLERY_TILE (root)) == item &&
      gtk_widget_get_mapped (root))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_tile (child, item);

      if (found != NULL)
        return found;
    }

  return NULL;
}

typedef struct
{
  Fixture    *fixture;
  KsJob      *job;
  KsJobState  state;
  guint       n;
  const char *text;
} Wait;

static gboolean
job_finished (gpointer data)
{
  Wait *wait = data;

  return ks_job_state_is_finished (ks_job_get_state (wait->job));
}

static gboolean
job_in_state (gpointer data)
{
  Wait *wait = data;

  return ks_job_get_state (wait->job) == wait->state;
}

static gboolean
n_items_reached (gpointer data)
{
  Wait *wait = data;

  return n_items (wait->fixture) >= wait->n;
}

static gboolean
item_has_image (gpointer data)
{
  Wait *wait = data;

  return n_items (wait->fixture) > 0 &&
         ks_gallery_item_get_image (get_item (wait->fixture, 0)) != NULL;
}

static gboolean
n_references_is (gpointer data)
{
  Wait *wait = data;

  return ks_composer_get_n_references (get_composer (wait->fixture)) == wait->n;
}

static gboolean
page_is (gpointer data)
{
  Wait *wait = data;

  return g_strcmp0 (visible_page (wait->fixture), wait->text) == 0;
}

static gboolean
can_submit (gpointer data)
{
  Wait *wait = data;

  return ks_composer_get_can_submit (get_composer (wait->fixture));
}

static gboolean
tile_is_shown (gpointer data)
{
  Wait *wait = data;

  return n_items (wait->fixture) > 0 &&
         find_tile (GTK_WIDGET (wait->fixture->window), get_item (wait->fixture, 0)) != NULL;
}

/* The button whose label (or a label inside it) says @text. */
static GtkWidget *
find_button (GtkWidget  *root,
             const char *text)
{
  GtkWidget *widget = ks_test_gui_find_text (root, text);

  while (widget != NULL && !GTK_IS_BUTTON (widget) && widget != root)
    widget = gtk_widget_get_parent (widget);

  return widget != NULL && GTK_IS_BUTTON (widget) ? widget : NULL;
}

/* What a click does, at once (gtk_widget_activate() animates first). */
static void
click (GtkWidget *button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static void
wait_for (gboolean  (*predicate) (gpointer),
          Wait       *wait,
          const char *what)
{
  if (!ks_test_gui_wait_until (predicate, wait, DEADLINE_MS))
    g_error ("Gave up waiting for %s after %d s", what, DEADLINE_MS / 1000);
}

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
window_at_rest (gpointer data)
{
  Fixture *fixture = data;

  return !transitions_running (GTK_WIDGET (fixture->window));
}

static void
screenshot (Fixture    *fixture,
            const char *name)
{
  guint n_colours;

  /* Crossfades and reveals finish first, so the picture shows one state. */
  ks_test_gui_wait_until (window_at_rest, fixture, 5000);
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 5);
  n_colours = ks_test_gui_screenshot (GTK_WIDGET (fixture->window), name);

  /* A blank or black window has a handful of colours; text, icons and
   * images give hundreds. */
  g_assert_cmpuint (n_colours, >, 100);
}

/* Types a prompt and presses Generate (Ctrl+Enter's action); returns the
 * job of the tile that appeared. */
static KsJob *
compose_and_submit (Fixture    *fixture,
                    const char *prompt)
{
  Wait wait = { fixture };
  guint before = n_items (fixture);
  KsGalleryItem *item;
  KsRecord *record;

  ks_composer_set_prompt (get_composer (fixture), prompt);
  wait_for (can_submit, &wait, "Generate to be possible");
  g_assert_null (ks_composer_get_reason (get_composer (fixture)));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.generate", NULL));

  /* The tile is there once the budget check said yes (no budget is set),
   * before any reply came. */
  wait.n = before + 1;
  wait_for (n_items_reached, &wait, "the new job's tile");
  g_assert_cmpuint (n_items (fixture), ==, before + 1);
  item = get_item (fixture, 0);
  g_assert_null (ks_gallery_item_get_image (item));
  g_assert_nonnull (ks_gallery_item_get_job (item));
  record = ks_gallery_item_get_record (item);
  g_assert_true (ks_job_get_record (ks_gallery_item_get_job (item)) == record);
  g_assert_cmpstr (ks_params_get_prompt (ks_record_get_params (record)), ==, prompt);

  g_ptr_array_add (fixture->jobs, g_object_ref (ks_gallery_item_get_job (item)));
  return ks_gallery_item_get_job (item);
}

/* ---- (a) compose → submit → result → use as reference → second edit ----- */

static void
test_flow_compose (Fixture       *fixture,
                   gconstpointer  data)
{
  Wait wait = { fixture };
  JsonNode *input;
  KsGalleryItem *result;
  GtkWidget *tile;
  const char *status_text;
  const char *image_url;
  KsJob *job;

  g_assert_cmpstr (visible_page (fixture), ==, "studio");
  g_assert_cmpuint (ks_composer_get_n_references (get_composer (fixture)), ==, 0);

  job = compose_and_submit (fixture, "A bakery shelf with flour and a rolling pin");
  wait.job = job;

  /* The tile says where the job is, in words. */
  wait_for (tile_is_shown, &wait, "the job's tile");
  wait.state = KS_JOB_STATE_IN_QUEUE;
  wait_for (job_in_state, &wait, "the job to be queued");
  tile = find_tile (GTK_WIDGET (fixture->window), get_item (fixture, 0));
  g_assert_nonnull (tile);
  status_text = ks_gallery_tile_get_status_text (KS_GALLERY_TILE (tile));
  g_assert_nonnull (status_text);
  g_assert_nonnull (strstr (status_text, "queue"));
  /* The header counts it. */
  g_assert_cmpuint (ks_session_get_n_running (fixture->session), ==, 1);
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (fixture->window), "1 job running"));
  screenshot (fixture, "flow-running.png");

  /* The job's tile gives way to the image. */
  wait_for (item_has_image, &wait, "the result tile");
  /* The tile shows the image as soon as its file is written; the job
   * completes right after. */
  wait_for (job_finished, &wait, "the job to complete");
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_COMPLETED);
  g_assert_cmpuint (n_items (fixture), ==, 1);
  result = get_item (fixture, 0);
  g_assert_true (ks_gallery_item_get_record (result) == ks_job_get_record (job));
  g_assert_false (ks_gallery_item_get_simulated (result));
  g_assert_cmpuint (ks_session_get_n_running (fixture->session), ==, 0);
  wait_for (tile_is_shown, &wait, "the result's tile");

  /* Opening it shows the viewer; "Use as reference" goes back to the
   * gallery with the image as the only reference. */
  g_signal_emit_by_name (ks_test_gui_find_by_type (GTK_WIDGET (fixture->window), KS_TYPE_GALLERY),
                         "item-activated", result);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (find_child (fixture, "content_stack"))),
                   ==, "viewer");
  g_assert_true (ks_viewer_get_item (KS_VIEWER (find_child (fixture, "viewer"))) == result);
  screenshot (fixture, "flow-viewer.png");

  g_assert_true (gtk_widget_activate_action (find_child (fixture, "viewer"), "viewer.use-as-reference", NULL));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (find_child (fixture, "content_stack"))),
                   ==, "gallery");
  wait.n = 1;
  wait_for (n_references_is, &wait, "the result to become the reference");

  /* A second edit of that reference completes too. */
  job = compose_and_submit (fixture, "Put a donut next to the flour");
  g_assert_cmpuint (g_strv_length ((char **) ks_params_get_references (ks_job_get_params (job))), ==, 1);
  g_assert_cmpint (ks_endpoint_get_mode (ks_params_get_endpoint (ks_job_get_params (job))), ==, KS_MODE_EDIT);
  wait.job = job;
  wait_for (item_has_image, &wait, "the second result");
  wait_for (job_finished, &wait, "the second job to complete");
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_COMPLETED);
  g_assert_cmpuint (n_items (fixture), ==, 2);

  /* The server saw the reference as image data (or an upload). */
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 2);
  input = ks_sim_server_get_job_input (fixture->server, 1);
  g_assert_nonnull (input);
  image_url = ks_json_get_string_member (json_node_get_object (input), "image_url");
  g_assert_nonnull (image_url);
  g_assert_true (g_str_has_prefix (image_url, "data:image/") ||
                 g_str_has_prefix (image_url, ks_sim_server_get_base_url (fixture->server)));
  g_assert_cmpstr (ks_json_get_string_member (json_node_get_object (input), "prompt"),
                   ==, "Put a donut next to the flour");

  screenshot (fixture, "flow-results.png");

  /* Delete from the viewer, then Undo from the toast. */
  result = get_item (fixture, 0);
  g_object_ref (result);
  g_signal_emit_by_name (ks_test_gui_find_by_type (GTK_WIDGET (fixture->window), KS_TYPE_GALLERY),
                         "item-activated", result);
  g_assert_true (gtk_widget_activate_action (find_child (fixture, "viewer"), "viewer.delete", NULL));
  g_assert_cmpuint (n_items (fixture), ==, 1);
  g_assert_true (ks_gallery_item_get_record (get_item (fixture, 0)) != ks_gallery_item_get_record (result));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (find_child (fixture, "content_stack"))),
                   ==, "gallery");
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (fixture->window), "Moved to the trash"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.undo-delete", NULL));
  g_assert_cmpuint (n_items (fixture), ==, 2);
  g_assert_true (ks_gallery_item_get_record (get_item (fixture, 0)) == ks_gallery_item_get_record (result));
  g_object_unref (result);
}

/* ---- (b) cancel a queued job ------------------------------------------- */

static void
test_flow_cancel (Fixture       *fixture,
                  gconstpointer  data)
{
  Wait wait = { fixture };
  GtkWidget *tile;
  GtkWidget *button;
  KsJob *job;

  /* Long enough in the queue to be cancelled there. */
  g_object_set (fixture->server, "queue-delay", 20000, NULL);

  job = compose_and_submit (fixture, "A lighthouse at dusk");
  wait.job = job;
  wait.state = KS_JOB_STATE_IN_QUEUE;
  wait_for (job_in_state, &wait, "the job to be queued");
  wait_for (tile_is_shown, &wait, "the job's tile");

  /* The tile's own Cancel button. */
  tile = find_tile (GTK_WIDGET (fixture->window), get_item (fixture, 0));
  button = find_button (tile, _("Cancel"));
  g_assert_nonnull (button);
  click (button);

  wait_for (job_finished, &wait, "the job to end");
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_CANCELLED);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_CANCEL), >=, 1);

  /* A cancelled job keeps its tile, which says so. */
  g_assert_cmpuint (n_items (fixture), ==, 1);
  g_assert_null (ks_gallery_item_get_image (get_item (fixture, 0)));
  tile = find_tile (GTK_WIDGET (fixture->window), get_item (fixture, 0));
  g_assert_nonnull (tile);
  wait.text = "ancel";
  g_assert_nonnull (strstr (ks_gallery_tile_get_status_text (KS_GALLERY_TILE (tile)), "ancel"));
  g_assert_cmpuint (ks_session_get_n_running (fixture->session), ==, 0);

  screenshot (fixture, "flow-cancelled.png");
}

/* ---- (c) a failure tile with the reason and Retry ----------------------- */

static void
test_flow_retry (Fixture       *fixture,
                 gconstpointer  data)
{
  Wait wait = { fixture };
  GtkWidget *tile;
  GtkWidget *button;
  const char *status_text;
  KsJob *job;

  /* The service falls over once, at submit: a submit is never retried. */
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_SUBMIT, KS_SIM_FAULT_500, 1);

  job = compose_and_submit (fixture, "A red bicycle against a blue wall");
  wait.job = job;
  wait_for (job_finished, &wait, "the job to fail");
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);
  wait_for (tile_is_shown, &wait, "the failure tile");

  tile = find_tile (GTK_WIDGET (fixture->window), get_item (fixture, 0));
  status_text = ks_gallery_tile_get_status_text (KS_GALLERY_TILE (tile));
  g_assert_nonnull (status_text);
  g_test_message ("failure tile: %s", status_text);
  g_assert_true (strlen (status_text) > 10);
  /* A server failure is the job's problem, not the setup's: no banner. */
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (find_child (fixture, "banner_revealer"))));
  screenshot (fixture, "flow-failed.png");

  button = find_button (tile, _("Retry"));
  g_assert_nonnull (button);
  click (button);

  /* Retry submits the same parameters again, and this time it works. */
  g_assert_cmpuint (n_items (fixture), ==, 2);
  wait.job = ks_gallery_item_get_job (get_item (fixture, 0));
  g_ptr_array_add (fixture->jobs, g_object_ref (wait.job));
  g_assert_true (wait.job != job);
  g_assert_cmpstr (ks_params_get_prompt (ks_job_get_params (wait.job)), ==, "A red bicycle against a blue wall");
  wait_for (item_has_image, &wait, "the retried job's result");
  wait_for (job_finished, &wait, "the retried job to complete");
  g_assert_cmpint (ks_job_get_state (wait.job), ==, KS_JOB_STATE_COMPLETED);
  /* The failed tile stays below the result. */
  g_assert_cmpuint (n_items (fixture), ==, 2);
  g_assert_true (ks_gallery_item_get_record (get_item (fixture, 1)) == ks_job_get_record (job));

  screenshot (fixture, "flow-retried.png");
}

/* ---- (d) no key: the welcome page, then the demo ------------------------ */

static gboolean
key_state_settled (gpointer data)
{
  Wait *wait = data;
  KsKeyState state = ks_session_get_key_state (wait->fixture->session);

  return state != KS_KEY_STATE_UNKNOWN && state != KS_KEY_STATE_LOOKING;
}

static void
test_flow_welcome_demo (Fixture       *fixture,
                        gconstpointer  data)
{
  Wait wait = { fixture };
  GtkWidget *title;
  KsJob *job;

  /* No FAL_KEY, nothing in the keyring (or no keyring at all). */
  ks_session_load_key (fixture->session);
  wait_for (key_state_settled, &wait, "the key lookup");
  g_assert_cmpint (ks_session_get_key_state (fixture->session), !=, KS_KEY_STATE_PRESENT);

  wait.text = "welcome";
  wait_for (page_is, &wait, "the welcome page");
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (fixture->window), "Welcome to Kontext Studio"));
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (fixture->window), "fal.ai dashboard"));
  /* Nothing to save yet. */
  g_assert_false (gtk_widget_get_sensitive (find_child (fixture, "save_key_button")));
  screenshot (fixture, "flow-welcome.png");

  click (find_child (fixture, "demo_button"));
  g_assert_cmpint (ks_session_get_key_state (fixture->session), ==, KS_KEY_STATE_DEMO);
  g_assert_true (ks_session_get_demo (fixture->session));
  wait.text = "studio";
  wait_for (page_is, &wait, "the studio");
  title = ks_test_gui_find_by_type (GTK_WIDGET (fixture->window), ADW_TYPE_WINDOW_TITLE);
  g_assert_nonnull (title);
  g_assert_cmpstr (adw_window_title_get_subtitle (ADW_WINDOW_TITLE (title)), ==, "Simulated service");

  /* The demo runs a whole job with no key and no network, and says so. */
  g_object_set (ks_session_get_client (fixture->session), "retry-base-delay", 10, NULL);
  job = compose_and_submit (fixture, "A teapot on a windowsill");
  g_assert_true (ks_gallery_item_get_simulated (get_item (fixture, 0)));
  wait.job = job;
  wait_for (item_has_image, &wait, "the demo result");
  wait_for (job_finished, &wait, "the demo job to complete");
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_COMPLETED);
  g_assert_true (ks_gallery_item_get_simulated (get_item (fixture, 0)));

  screenshot (fixture, "flow-demo.png");
}

/* ---- (e) a refused key: the banner and its fixing action ---------------- */

static void
test_flow_unauthorized (Fixture       *fixture,
                        gconstpointer  data)
{
  Wait wait = { fixture };
  GtkWidget *revealer = find_child (fixture, "banner_revealer");
  GtkWidget *button = find_child (fixture, "banner_button");
  KsJob *job;

  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));

  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_SUBMIT, KS_SIM_FAULT_401, 1);
  job = compose_and_submit (fixture, "A cat in a hat");
  wait.job = job;
  wait_for (job_finished, &wait, "the job to be refused");
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);
  g_assert_error (ks_job_get_error (job), KS_ERROR, KS_ERROR_UNAUTHORIZED);

  g_assert_cmpint (ks_session_get_key_state (fixture->session), ==, KS_KEY_STATE_REFUSED);
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (find_child (fixture, "banner_label"))), "key"));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "Open _Preferences");
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "app.preferences");
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "preferences"));
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 20);
  screenshot (fixture, "flow-unauthorized.png");

  /* A good key again hides the banner. */
  use_server (fixture);
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));
}

/* ---- the key saved from the welcome page -------------------------------- */

static void
cleared_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (ks_credentials_clear_finish (result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
key_present (gpointer data)
{
  Wait *wait = data;

  return ks_session_get_key_state (wait->fixture->session) == KS_KEY_STATE_PRESENT;
}

static void
test_flow_welcome_save_key (Fixture       *fixture,
                            gconstpointer  data)
{
  Wait wait = { fixture };
  GtkWidget *save = find_child (fixture, "save_key_button");
  GtkEditable *row = GTK_EDITABLE (find_child (fixture, "key_row"));
  gboolean cleared = FALSE;

  ks_session_load_key (fixture->session);
  wait_for (key_state_settled, &wait, "the key lookup");
  wait.text = "welcome";
  wait_for (page_is, &wait, "the welcome page");
  g_assert_false (gtk_widget_get_sensitive (save));

  /* Pasting a key enables Save Key; saving it opens the studio. */
  gtk_editable_set_text (row, "welcome-id:welcome-secret");
  g_assert_true (gtk_widget_get_sensitive (save));
  click (save);
  wait_for (key_present, &wait, "the key to be stored");
  g_assert_null (ks_session_get_key_message (fixture->session));
  wait.text = "studio";
  wait_for (page_is, &wait, "the studio");
  g_assert_cmpstr (gtk_editable_get_text (row), ==, "");
  g_assert_true (ks_client_has_api_key (ks_session_get_client (fixture->session)));
  g_assert_false (ks_session_get_demo (fixture->session));
  screenshot (fixture, "flow-key-saved.png");

  /* Leave the test keyring as it was. */
  ks_credentials_clear_async (NULL, 0, NULL, cleared_cb, &cleared);
  g_assert_true (ks_test_gui_wait_until (flag_set, &cleared, DEADLINE_MS));
}

/* ---- offline: the banner's Try Again ------------------------------------ */

static gboolean
banner_says (gpointer data)
{
  Wait *wait = data;

  return strstr (gtk_label_get_label (GTK_LABEL (find_child (wait->fixture, "banner_label"))), wait->text) != NULL;
}

static gboolean
banner_hidden (gpointer data)
{
  Wait *wait = data;

  return !gtk_revealer_get_reveal_child (GTK_REVEALER (find_child (wait->fixture, "banner_revealer")));
}

static void
test_flow_offline (Fixture       *fixture,
                   gconstpointer  data)
{
  Wait wait = { fixture };
  g_autoptr(KsSimServer) gone = ks_sim_server_new ();
  g_autofree char *gone_url = NULL;
  GtkWidget *button = find_child (fixture, "banner_button");
  KsJob *job;

  g_assert_true (ks_sim_server_listen (gone, 0, NULL));
  gone_url = g_strdup (ks_sim_server_get_base_url (gone));
  g_clear_object (&gone);

  ks_session_use_service (fixture->session, gone_url, TEST_KEY);
  g_object_set (ks_session_get_client (fixture->session), "retry-base-delay", 1, "max-retries", 1, NULL);
  job = compose_and_submit (fixture, "A paper boat");
  wait.job = job;
  wait_for (job_finished, &wait, "the job to fail");
  g_assert_error (ks_job_get_error (job), KS_ERROR, KS_ERROR_NETWORK);

  /* The banner offers to try again, and trying again reports what it found. */
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (find_child (fixture, "banner_revealer"))));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "_Try Again");
  screenshot (fixture, "flow-offline.png");
  click (button);
  wait.text = "Could not reach";
  wait_for (banner_says, &wait, "the connection check");

  /* Back online: Try Again clears the banner. */
  use_server (fixture);
  click (button);
  wait_for (banner_hidden, &wait, "the banner to go");
}

/* ---- the shortcuts window --------------------------------------------- */

static void
test_flow_shortcuts (Fixture       *fixture,
                     gconstpointer  data)
{
  GtkWindow *overlay = GTK_WINDOW (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (fixture->window)));
  static const char * const titles[] = {
    "Generate", "Open a Reference Image", "Paste a Reference Image", "Save As", "Copy Image",
    "Use as Reference", "Delete", "Back to the Gallery", "Preferences", "Show Shortcuts", "Quit",
  };
  guint n_colours;

  g_assert_nonnull (overlay);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.show-help-overlay", NULL));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (overlay)));
  ks_test_gui_wait_frames (GTK_WIDGET (overlay), 5);

  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    if (ks_test_gui_find_text (GTK_WIDGET (overlay), titles[i]) == NULL)
      g_error ("The shortcuts window does not list “%s”", titles[i]);

  n_colours = ks_test_gui_screenshot (GTK_WIDGET (overlay), "flow-shortcuts.png");
  g_assert_cmpuint (n_colours, >, 50);
  gtk_window_close (overlay);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!ks_test_gui_setup (&argc, &argv))
    return g_test_run ();


  g_test_add ("/flow/compose-submit-reuse", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_flow_compose, fixture_tear_down);
  g_test_add ("/flow/cancel", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_flow_cancel, fixture_tear_down);
  g_test_add ("/flow/failure-retry", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_flow_retry, fixture_tear_down);
  g_test_add ("/flow/welcome-demo", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_flow_welcome_demo, fixture_tear_down);
  g_test_add ("/flow/unauthorized", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_flow_unauthorized, fixture_tear_down);
  g_test_add ("/flow/welcome-save-key", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_flow_welcome_save_key, fixture_tear_down);
  g_test_add ("/flow/offline", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_flow_offline, fixture_tear_down);
  g_test_add ("/flow/shortcuts", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_flow_shortcuts, fixture_tear_down);

  status = g_test_run ();
  g_clear_object (&app);

  return status;
}
