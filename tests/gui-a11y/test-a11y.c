/* Accessibility under a display, with GTK's test AT context (GTK_A11Y=test):
 * the main window with results in the gallery, the viewer on a result, the
 * preferences window, the sweep dialog and a contact sheet are walked
 * widget by widget, and every control must have an accessible name.
 *
 * What counts as a name, precisely:
 *   - an explicit GTK_ACCESSIBLE_PROPERTY_LABEL that is not empty, or
 *   - a GTK_ACCESSIBLE_RELATION_LABELLED_BY relation, or
 *   - visible text GTK reads as the name: a GtkButton's (GtkCheckButton's,
 *     GtkMenuButton's) label, or a mapped-or-visible GtkLabel with text
 *     inside the button (AdwButtonContent, a box with a label), or
 *   - for AdwComboRow and AdwEntryRow: a non-empty row title, or
 *   - for a control that is the activatable-widget of an AdwActionRow with
 *     a non-empty title: that title (the row activates it and announces
 *     the title).
 * Controls: GtkButton and its subclasses (toggle, link, menu buttons'
 * inner buttons are judged with their GtkMenuButton), GtkMenuButton,
 * GtkSwitch, GtkSpinButton, GtkEntry, GtkText, GtkSearchEntry, GtkTextView,
 * GtkDropDown, GtkScale, GtkCheckButton, AdwComboRow, AdwEntryRow, and the
 * items of GtkListView and GtkGridView (the item's child must be named: a
 * label property, or a GtkLabel with text in it). The insides of a
 * control (the GtkText of an entry, the buttons of a spin button, a
 * drop-down's popover) belong to it and are not judged apart.
 * Hidden widgets (visible == FALSE) are skipped with their children;
 * widgets on a stack's other pages are judged too.
 *
 * Images of results (the GtkPicture of a gallery tile, the viewer's
 * KsImageView) must carry the prompt in their label or description.
 *
 * What opens is walked the same way, opened as a click would open it:
 * every menu button's popover (the main menu, a split button's arrow),
 * every drop-down's and combo row's list, and the context menus widgets
 * keep as popovers of their own (a reference tile's). The items of a
 * popover menu (GtkModelButton) are controls named by their text.
 *
 * Every offender is printed with its widget path, and the test fails if
 * there is any. The keyboard check: every control in the main window is
 * focusable itself or inside a focusable widget, and nothing above it has
 * can-focus off.
 *

 * The compare view's images (view_a, view_b) are not held to the prompt:
 * they name the sides being compared.
 *
 * The style run (/a11y/style, with KS_TEST_STYLE) saves the main window and
 * the viewer as style-<style>.png and style-<style>-viewer.png, and checks
 * that the window keeps the width it asked for (the viewer open too), that
 * every gallery tile has the size the text scale asks for (300 px at 1.5×
 * text), that the "Simulated" and "Sweep" badges never overlap, and that
 * no label in the composer's rows is ellipsized. */

#define G_LOG_DOMAIN "test-a11y"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-core.h"

#include "ks-application.h"
#include "ks-composer.h"
#include "ks-contact-sheet.h"
#include "ks-gallery-tile.h"
#include "ks-preferences-window.h"
#include "ks-session.h"
#include "ks-sweep-dialog.h"
#include "ks-test-gui.h"
#include "ks-viewer.h"
#include "ks-window.h"
#include "library-fixtures.h"

#define TEST_KEY "test-id:test-secret"
#define DEADLINE_MS 30000
#define WINDOW_WIDTH 1280
#define WINDOW_HEIGHT 800
#define SENTINEL "\001no such value\001"

static const char *prompts[] = {
  "A lighthouse on a cliff at dusk, oil painting",
  "A paper boat on a rainy street",
  "A red fox asleep in the snow",
  "Make it night",
  /* Filtered by the safety check: its tile offers a retry. */
  "A storm over the harbour",
};

static KsApplication *app;

typedef struct
{
  KsSession *session;
  KsWindow  *window;
  char      *batch_id;
} Fixture;

/* ---- the library on disk -------------------------------------------------- */

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  guint *pending = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (ks_library_save_finish (KS_LIBRARY (source), result, &error));
  g_assert_no_error (error);
  (*pending)--;
}

static gboolean
none_pending (gpointer data)
{
  return *(guint *) data == 0;
}

/* Five finished results on disk, the third and fourth one sweep, the
 * fifth filtered; returns the batch id. */
static char *
write_library (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  g_autofree char *batch_id = g_uuid_string_random ();
  KsRecord *records[G_N_ELEMENTS (prompts)];
  guint pending = 0;

  for (guint i = 0; i < G_N_ELEMENTS (prompts); i++)
    records[i] = ks_test_library_add_result (library, prompts[i], "png", 1, i == 4 ? 1 : 0,
                                             0x30507000u + 0x30201000u * i);
  ks_record_set_batch (records[2], batch_id, "Seed 1");
  ks_record_set_batch (records[3], batch_id, "Seed 2");

  for (guint i = 0; i < G_N_ELEMENTS (prompts); i++)
    {
      pending++;
      ks_library_save_async (library, records[i], NULL, saved_cb, &pending);
    }
  g_assert_true (ks_test_gui_wait_until (none_pending, &pending, DEADLINE_MS));

  return g_steal_pointer (&batch_id);
}

static gboolean
gallery_filled (gpointer data)
{
  Fixture *fixture = data;

  return g_list_model_get_n_items (ks_session_get_items (fixture->session)) >= G_N_ELEMENTS (prompts);
}

static void
on_problem (KsSession *session,
            GError    *error,
            gpointer   data)
{
  g_printerr ("# session problem: %s\n", error->message);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  /* The library the session opens is the one the fixtures write (the
   * isolated dirs exist per test). */
  g_autofree char *library_dir = g_build_filename (g_get_user_data_dir (), "library", NULL);

  g_setenv ("KS_LIBRARY_DIR", library_dir, TRUE);
  fixture->batch_id = write_library ();

  if (app == NULL)
    {
      app = ks_application_new ();
      g_application_set_flags (G_APPLICATION (app),
                               G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
      g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
      g_assert_no_error (error);
    }

  fixture->session = ks_session_new (ks_application_get_settings (app));
  g_signal_connect (fixture->session, "problem", G_CALLBACK (on_problem), NULL);
  /* Nothing is sent: the studio page needs a key, not a server. */
  ks_session_use_service (fixture->session, "http://127.0.0.1:9", TEST_KEY);

  fixture->window = g_object_new (KS_TYPE_WINDOW,
                                  "application", app,
                                  "session", fixture->session,
                                  NULL);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), WINDOW_WIDTH, WINDOW_HEIGHT);
  gtk_window_present (GTK_WINDOW (fixture->window));
  g_assert_true (ks_test_gui_wait_until (gallery_filled, fixture, DEADLINE_MS));
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 2);
  /* The crossfade from the empty state to the grid: both are on screen
   * while it runs. By name: the drop-downs have stacks of their own. */
  g_assert_true (ks_test_gui_wait_stack_settled (ks_test_gui_get (ks_test_gui_get (GTK_WIDGET (fixture->window), "gallery"), "stack"),
                                                 DEADLINE_MS));
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 3);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  ks_test_gui_spin (50);
  g_assert_null (fixture->window);
  g_assert_finalize_object (fixture->session);
  g_free (fixture->batch_id);
}

/* ---- names ------------------------------------------------------------------- */

/* The string value of @property on @widget, or NULL when unset. */
static char *
dup_property (GtkWidget             *widget,
              GtkAccessibleProperty  property)
{
  char *value;

  if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), property))
    return NULL;
  /* check_property() answers NULL on a match, else the value it found. */
  value = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget), property, SENTINEL);
  return value;
}

static gboolean
has_label_property (GtkWidget *widget)
{
  g_autofree char *label = dup_property (widget, GTK_ACCESSIBLE_PROPERTY_LABEL);

  return label != NULL && label[0] != '\0' && strcmp (label, "(null)") != 0;
}

static gboolean
has_text_label (GtkWidget *root)
{
  if (!gtk_widget_get_visible (root))
    return FALSE;
  if (GTK_IS_LABEL (root))
    {
      g_autofree char *text = g_strdup (gtk_label_get_text (GTK_LABEL (root)));

      return g_strstrip (text)[0] != '\0';
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_text_label (child))
      return TRUE;
  return FALSE;
}

/* The items of a GtkPopoverMenu (GtkModelButton is GTK's own type). */
static gboolean
is_menu_item (GtkWidget *widget)
{
  return g_str_equal (G_OBJECT_TYPE_NAME (widget), "GtkModelButton");
}

static gboolean
is_control (GtkWidget *widget)
{
  return is_menu_item (widget) || GTK_IS_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget) ||
         GTK_IS_SWITCH (widget) || GTK_IS_SPIN_BUTTON (widget) ||
         GTK_IS_ENTRY (widget) || GTK_IS_TEXT (widget) ||
         GTK_IS_SEARCH_ENTRY (widget) || GTK_IS_TEXT_VIEW (widget) ||
         GTK_IS_DROP_DOWN (widget) || GTK_IS_SCALE (widget) ||
         GTK_IS_CHECK_BUTTON (widget) || ADW_IS_COMBO_ROW (widget) ||
         ADW_IS_ENTRY_ROW (widget) || ADW_IS_SPLIT_BUTTON (widget);
}

/* Controls whose insides are theirs. */
static gboolean
is_opaque (GtkWidget *widget)
{
  return GTK_IS_MENU_BUTTON (widget) || GTK_IS_SPIN_BUTTON (widget) ||
         GTK_IS_ENTRY (widget) || GTK_IS_SEARCH_ENTRY (widget) ||
         GTK_IS_DROP_DOWN (widget) || GTK_IS_SCALE (widget) ||
         GTK_IS_CHECK_BUTTON (widget) || GTK_IS_SWITCH (widget) ||
         ADW_IS_COMBO_ROW (widget) || ADW_IS_ENTRY_ROW (widget) ||
         ADW_IS_SPLIT_BUTTON (widget) || GTK_IS_TEXT_VIEW (widget) ||
         GTK_IS_TEXT (widget);
}

/* A LABELLED_BY relation to a label. GTK 4.8 labels every button by its
 * child, an icon-only one by its GtkImage, which names nothing; and
 * gtk_test_accessible_has_relation() answers TRUE for any relation then.
 * check_relation() against a widget never used as a label answers with
 * the relation as text, "GtkLabel<0x…> …", "undefined" when unset. */
static gboolean
labelled_by_text (GtkWidget *widget)
{
  static GtkWidget *nobody;
  g_autofree char *value = NULL;

  if (nobody == NULL)
    nobody = g_object_ref_sink (gtk_label_new (NULL));
  value = gtk_test_accessible_check_relation (GTK_ACCESSIBLE (widget),
                                              GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                              nobody, NULL);
  return value != NULL && strstr (value, "Label<") != NULL;
}

static gboolean
named_by_row (GtkWidget *widget)
{
  GtkWidget *row = gtk_widget_get_ancestor (widget, ADW_TYPE_ACTION_ROW);
  const char *title;

  if (row == NULL || adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row)) != widget)
    return FALSE;
  title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
  return title != NULL && title[0] != '\0';
}

static gboolean
has_name (GtkWidget *widget)
{
  if (has_label_property (widget))
    return TRUE;
  if (labelled_by_text (widget))
    return TRUE;
  if (ADW_IS_COMBO_ROW (widget) || ADW_IS_ENTRY_ROW (widget))
    {
      const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));

      return title != NULL && title[0] != '\0';
    }
  if (GTK_IS_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget) ||
      GTK_IS_CHECK_BUTTON (widget) || ADW_IS_SPLIT_BUTTON (widget) ||
      is_menu_item (widget))
    {
      if (has_text_label (widget))
        return TRUE;
    }
  return named_by_row (widget);
}

static char *
widget_path (GtkWidget *widget)
{
  GString *path = g_string_new (NULL);

  for (GtkWidget *w = widget; w != NULL; w = gtk_widget_get_parent (w))
    {
      const char *id = GTK_IS_BUILDABLE (w) ? gtk_buildable_get_buildable_id (GTK_BUILDABLE (w)) : NULL;
      g_autofree char *part = id != NULL
        ? g_strdup_printf ("%s#%s", G_OBJECT_TYPE_NAME (w), id)
        : g_strdup (G_OBJECT_TYPE_NAME (w));

      g_string_prepend (path, part);
      if (gtk_widget_get_parent (w) != NULL)
        g_string_prepend (path, " > ");
    }

  return g_string_free (path, FALSE);
}

typedef struct
{
  GPtrArray  *offenders;   /* "path: what" */
  gboolean    keyboard;    /* also check focus */
  const char *prompt;      /* a result image must name it, or NULL */
  guint       n_controls;
  guint       n_images;
} Walk;

static void
offend (Walk       *walk,
        GtkWidget  *widget,
        const char *what)
{
  g_autofree char *path = widget_path (widget);

  g_ptr_array_add (walk->offenders, g_strdup_printf ("%s: %s", path, what));
}

static gboolean
focusable_inside (GtkWidget *widget)
{
  if (!gtk_widget_get_visible (widget) || !gtk_widget_get_can_focus (widget))
    return FALSE;
  if (gtk_widget_get_focusable (widget))
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (!GTK_IS_POPOVER (child) && focusable_inside (child))
      return TRUE;
  return FALSE;
}

/* Focusable itself, inside something focusable, or holding a focusable
 * part (a menu button's or drop-down's button, an entry's text); and no
 * ancestor has can-focus off. */
static gboolean
reachable (GtkWidget *widget)
{
  gboolean focusable = focusable_inside (widget);

  for (GtkWidget *w = widget; w != NULL; w = gtk_widget_get_parent (w))
    {
      if (!gtk_widget_get_can_focus (w))
        return FALSE;
      if (gtk_widget_get_focusable (w))
        focusable = TRUE;
    }
  return focusable;
}

static void
check_image (Walk      *walk,
             GtkWidget *widget)
{
  g_autofree char *label = dup_property (widget, GTK_ACCESSIBLE_PROPERTY_LABEL);
  g_autofree char *description = dup_property (widget, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
  gboolean ok = FALSE;

  walk->n_images++;
  /* A tile not bound yet, or the viewer without a result, has no prompt. */
  for (guint i = 0; i < G_N_ELEMENTS (prompts); i++)
    ok = ok || (label != NULL && strstr (label, prompts[i]) != NULL) ||
         (description != NULL && strstr (description, prompts[i]) != NULL);
  if (walk->prompt != NULL)
    ok = (label != NULL && strstr (label, walk->prompt) != NULL) ||
         (description != NULL && strstr (description, walk->prompt) != NULL);
  if (!ok)
    {
      g_autofree char *what = g_strdup_printf ("a result image without its prompt (label “%s”, description “%s”)",
                                               label ? label : "", description ? description : "");
      offend (walk, widget, what);
    }
}

static void
walk_tree (Walk      *walk,
           GtkWidget *widget)
{
  GtkWidget *parent = gtk_widget_get_parent (widget);

  if (!gtk_widget_get_visible (widget))
    return;
  /* The window manager's buttons (close, maximize) are GTK's, keyboard
   * users have shortcuts for them. */
  if (GTK_IS_WINDOW_CONTROLS (widget))
    return;
  /* What a closed revealer holds is filled in when it opens (the banner). */
  if (GTK_IS_REVEALER (widget) && !gtk_revealer_get_reveal_child (GTK_REVEALER (widget)))
    return;

  if (is_control (widget))
    {
      walk->n_controls++;
      if (!has_name (widget))
        offend (walk, widget, "no accessible name");
      if (walk->keyboard && gtk_widget_get_mapped (widget) && !reachable (widget))
        offend (walk, widget, "not reachable from the keyboard");
      if (is_opaque (widget))
        return;
    }

  /* The items of list and grid views. */
  if (parent != NULL && (GTK_IS_LIST_VIEW (parent) || GTK_IS_GRID_VIEW (parent)) &&
      gtk_widget_get_first_child (widget) != NULL)
    {
      GtkWidget *child = gtk_widget_get_first_child (widget);

      walk->n_controls++;
      if (!has_label_property (widget) && !has_label_property (child) && !has_text_label (child))
        offend (walk, child, "a list item without an accessible name");
    }

  if ((GTK_IS_PICTURE (widget) && gtk_widget_get_ancestor (widget, KS_TYPE_GALLERY_TILE) != NULL &&
       gtk_picture_get_paintable (GTK_PICTURE (widget)) != NULL) ||
      /* The viewer's large image, once it shows a result (the compare
       * view's two images name their sides, "Image A: …"). */
      (g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget)), "image_view") == 0 &&
       gtk_widget_get_ancestor (widget, KS_TYPE_VIEWER) != NULL &&
       ks_viewer_get_item (KS_VIEWER (gtk_widget_get_ancestor (widget, KS_TYPE_VIEWER))) != NULL))
    check_image (walk, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    walk_tree (walk, child);
}

/* Walks @root; prints the offenders and counts them. */
static guint
check_tree (GtkWidget  *root,
            const char *what,
            gboolean    keyboard,
            const char *prompt)
{
  Walk walk = { g_ptr_array_new_with_free_func (g_free), keyboard, prompt, 0, 0 };
  guint n;

  walk_tree (&walk, root);
  g_test_message ("%s: %u controls, %u result images, %u offenders",
                  what, walk.n_controls, walk.n_images, walk.offenders->len);
  for (guint i = 0; i < walk.offenders->len; i++)
    g_printerr ("# OFFENDER (%s) %s\n", what, (char *) walk.offenders->pdata[i]);
  /* Something was walked: a tree without controls means the walk is wrong. */
  g_assert_cmpuint (walk.n_controls, >, 3);
  n = walk.offenders->len;
  g_ptr_array_unref (walk.offenders);
  return n;
}

/* ---- what opens: popovers, menus, drop-down lists ---------------------------- */

/* Menu buttons (a split button's arrow too), drop-downs and combo rows
 * that are on screen under @root, and the context menus of widgets on
 * screen (a popover of their own, opened by a right click or Menu). The
 * insides of entries and text views are GTK's. */
static void
collect_openers (GtkWidget *root,
                 GPtrArray *openers)
{
  if (!gtk_widget_get_mapped (root) || GTK_IS_POPOVER (root))
    return;
  if (GTK_IS_MENU_BUTTON (root) || GTK_IS_DROP_DOWN (root) || ADW_IS_COMBO_ROW (root))
    {
      g_ptr_array_add (openers, root);
      return;
    }
  /* A split button's arrow is a menu button of its own. */
  if (is_opaque (root) && !ADW_IS_SPLIT_BUTTON (root))
    return;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_POPOVER (child))
        g_ptr_array_add (openers, child);
      else
        collect_openers (child, openers);
    }
}

/* The popover a drop-down or a combo row keeps among its children. */
static GtkPopover *
child_popover (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkPopover *popover = GTK_IS_POPOVER (child) ? GTK_POPOVER (child) : child_popover (child);

      if (popover != NULL)
        return popover;
    }
  return NULL;
}

static gboolean
popover_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* Opens what @opener shows, as a click would. */
static GtkPopover *
open_popup (GtkWidget *opener)
{
  GtkPopover *popover;

  if (GTK_IS_POPOVER (opener))
    {
      popover = GTK_POPOVER (opener);
      gtk_popover_popup (popover);
    }
  else if (GTK_IS_MENU_BUTTON (opener))
    {
      gtk_menu_button_popup (GTK_MENU_BUTTON (opener));
      popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (opener));
    }
  else
    {
      popover = child_popover (opener);
      if (popover != NULL)
        gtk_popover_popup (popover);
    }
  if (popover == NULL)
    return NULL;
  if (!ks_test_gui_wait_until (popover_mapped, popover, DEADLINE_MS))
    return NULL;
  ks_test_gui_wait_frames (GTK_WIDGET (popover), 3);
  return popover;
}

/* Opens every popover, menu and drop-down list under @root in turn and
 * walks what each shows, as the walk above does a window; counts the
 * offenders. */
static guint
check_popups (GtkWidget  *root,
              const char *what,
              guint       at_least)
{
  g_autoptr(GPtrArray) openers = g_ptr_array_new ();
  guint n = 0;
  guint n_items = 0;

  collect_openers (root, openers);
  for (guint i = 0; i < openers->len; i++)
    {
      GtkWidget *opener = openers->pdata[i];
      g_autofree char *path = widget_path (opener);
      Walk walk = { g_ptr_array_new_with_free_func (g_free), FALSE, NULL, 0, 0 };
      GtkPopover *popover = open_popup (opener);

      if (popover == NULL)
        g_error ("%s: %s did not open its popover", what, path);
      walk_tree (&walk, GTK_WIDGET (popover));
      /* A list not filled yet, an empty menu: the walk would prove nothing. */
      if (walk.n_controls == 0)
        g_error ("%s: the popover of %s shows no control", what, path);
      g_test_message ("%s: %s opened, %u controls, %u offenders",
                      what, path, walk.n_controls, walk.offenders->len);
      for (guint j = 0; j < walk.offenders->len; j++)
        g_printerr ("# OFFENDER (%s, popover) %s\n", what, (char *) walk.offenders->pdata[j]);
      n += walk.offenders->len;
      n_items += walk.n_controls;
      g_ptr_array_unref (walk.offenders);

      gtk_popover_popdown (popover);
      ks_test_gui_wait_frames (root, 2);
    }
  g_test_message ("%s: %u popovers opened, %u controls in them", what, openers->len, n_items);
  /* The walk reached what the window offers. */
  g_assert_cmpuint (openers->len, >=, at_least);
  return n;
}

/* ---- the windows --------------------------------------------------------------- */

static GtkWidget *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (window))
        return window;
    }
  return NULL;
}

static gboolean
viewer_shown (gpointer data)
{
  GtkWidget *viewer = ks_test_gui_find_by_name (data, "viewer");

  return viewer != NULL && gtk_widget_get_mapped (viewer) &&
         ks_viewer_get_item (KS_VIEWER (viewer)) != NULL;
}

static gboolean
viewer_has_pixels (gpointer data)
{
  GtkWidget *viewer = ks_test_gui_find_by_name (data, "viewer");
  GtkWidget *image = ks_test_gui_find_by_name (viewer, "image_view");

  return image != NULL && gtk_widget_get_mapped (image);
}

/* Opens the viewer on the newest result through the grid. */
static const char *
open_viewer (Fixture *fixture)
{
  GtkWidget *grid = ks_test_gui_find_by_name (GTK_WIDGET (fixture->window), "grid_view");
  g_autoptr(KsGalleryItem) item = NULL;

  GListModel *items = ks_session_get_items (fixture->session);
  guint position;

  g_assert_nonnull (grid);
  /* The newest unfiltered result ("Make it night"). */
  for (position = 0; position < g_list_model_get_n_items (items); position++)
    {
      g_clear_object (&item);
      item = g_list_model_get_item (items, position);
      if (g_strcmp0 (ks_gallery_item_get_title (item), prompts[3]) == 0)
        break;
    }
  g_assert_cmpstr (ks_gallery_item_get_title (item), ==, prompts[3]);
  g_assert_true (gtk_widget_activate_action (grid, "list.activate-item", "u", position));
  g_assert_true (ks_test_gui_wait_until (viewer_shown, fixture->window, DEADLINE_MS));
  g_assert_true (ks_test_gui_wait_until (viewer_has_pixels, fixture->window, DEADLINE_MS));
  /* The crossfade from the gallery to the viewer. */
  g_assert_true (ks_test_gui_wait_stack_settled (ks_test_gui_get (GTK_WIDGET (fixture->window), "content_stack"),
                                                 DEADLINE_MS));
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 5);
  return ks_gallery_item_get_title (item);
}

static gboolean
has_reference (gpointer data)
{
  Fixture *fixture = data;

  return ks_composer_get_n_references (ks_window_get_composer (fixture->window)) == 1;
}

/* A reference in the composer, so its tile and context menu are walked. */
static void
add_reference (Fixture *fixture)
{
  static const guchar pixels[4 * 4 * 3] = { 0x30, 0x50, 0x70 };
  g_autoptr(GBytes) bytes = g_bytes_new_static (pixels, sizeof pixels);
  g_autoptr(GdkTexture) texture = gdk_memory_texture_new (4, 4, GDK_MEMORY_R8G8B8, bytes, 4 * 3);

  ks_composer_add_texture (ks_window_get_composer (fixture->window), texture);
  g_assert_true (ks_test_gui_wait_until (has_reference, fixture, DEADLINE_MS));
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 3);
}

static void
test_names (Fixture       *fixture,
            gconstpointer  data)
{
  guint n = 0;
  GtkWidget *dialog;
  GtkWidget *sheet;
  GtkWidget *preferences;
  const char *prompt;

  add_reference (fixture);
  n += check_tree (GTK_WIDGET (fixture->window), "main window", TRUE, NULL);
  /* The main menu, the reference's context menu, the model, aspect ratio
   * and format lists, and the gallery's three filters. */
  n += check_popups (GTK_WIDGET (fixture->window), "main window", 8);

  prompt = open_viewer (fixture);
  n += check_tree (ks_test_gui_get (GTK_WIDGET (fixture->window), "viewer"), "viewer", TRUE, prompt);
  /* Compare With… and Run Again's other ways. */
  n += check_popups (ks_test_gui_get (GTK_WIDGET (fixture->window), "viewer"), "viewer", 2);

  preferences = ks_preferences_window_new (GTK_WINDOW (fixture->window), fixture->session);
  gtk_window_present (GTK_WINDOW (preferences));
  ks_test_gui_wait_frames (preferences, 3);
  n += check_tree (preferences, "preferences", FALSE, NULL);
  n += check_popups (preferences, "preferences", 3);
  gtk_window_destroy (GTK_WINDOW (preferences));

  ks_composer_set_prompt (ks_window_get_composer (fixture->window), prompts[0]);
  dialog = ks_sweep_dialog_new (GTK_WINDOW (fixture->window),
                                ks_composer_get_params (ks_window_get_composer (fixture->window)));
  gtk_window_present (GTK_WINDOW (dialog));
  ks_test_gui_wait_frames (dialog, 3);
  n += check_tree (dialog, "sweep dialog (seeds)", FALSE, NULL);
  n += check_popups (dialog, "sweep dialog (seeds)", 0);
  ks_sweep_dialog_set_kind (KS_SWEEP_DIALOG (dialog), KS_SWEEP_GUIDANCE);
  ks_test_gui_wait_frames (dialog, 3);
  n += check_tree (dialog, "sweep dialog (guidance)", FALSE, NULL);
  n += check_popups (dialog, "sweep dialog (guidance)", 0);
  gtk_window_destroy (GTK_WINDOW (dialog));

  sheet = ks_contact_sheet_new (GTK_WINDOW (fixture->window),
                                ks_session_get_items (fixture->session),
                                fixture->batch_id);
  gtk_window_present (GTK_WINDOW (sheet));
  ks_test_gui_wait_frames (sheet, 5);
  g_assert_cmpuint (g_list_model_get_n_items (ks_contact_sheet_get_shown_model (KS_CONTACT_SHEET (sheet))), ==, 2);
  n += check_tree (sheet, "contact sheet", FALSE, NULL);
  n += check_popups (sheet, "contact sheet", 0);
  gtk_window_destroy (GTK_WINDOW (sheet));

  g_assert_null (find_toplevel (KS_TYPE_CONTACT_SHEET));
  if (n > 0)
    g_test_fail_printf ("%u controls without an accessible name or keyboard access (see OFFENDER lines)", n);
}

/* The walk itself can fail: a button with only an icon and no label is
 * caught, and one with a label property passes. */
static void
test_walk_catches (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *bare = gtk_button_new_from_icon_name ("edit-delete-symbolic");
  GtkWidget *labelled = gtk_button_new_from_icon_name ("edit-copy-symbolic");
  GtkWidget *text = gtk_button_new_with_label ("Copy");
  GtkWidget *sw = gtk_switch_new ();
  GtkWidget *caption = gtk_label_new ("Dark");
  g_autoptr(GtkWidget) keep = g_object_ref_sink (box);

  gtk_accessible_update_property (GTK_ACCESSIBLE (labelled), GTK_ACCESSIBLE_PROPERTY_LABEL, "Copy", -1);
  gtk_box_append (GTK_BOX (box), bare);
  gtk_box_append (GTK_BOX (box), labelled);
  gtk_box_append (GTK_BOX (box), text);
  gtk_box_append (GTK_BOX (box), sw);
  g_assert_cmpuint (check_tree (box, "fixture", FALSE, NULL), ==, 2);
  gtk_accessible_update_property (GTK_ACCESSIBLE (bare), GTK_ACCESSIBLE_PROPERTY_LABEL, "Delete", -1);
  gtk_box_append (GTK_BOX (box), caption);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_RELATION_LABELLED_BY, caption, NULL, -1);
  g_assert_cmpuint (check_tree (box, "fixture, mended", FALSE, NULL), ==, 0);
}

/* The popover walk can fail too: an icon-only button in a menu button's
 * popover, and an unnamed switch in a context menu, are caught. */
static void
test_popup_walk_catches (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *menu_button = gtk_menu_button_new ();
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *inside = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *bare = gtk_button_new_from_icon_name ("edit-delete-symbolic");
  GtkWidget *context = gtk_popover_new ();
  GtkWidget *sw = gtk_switch_new ();
  GtkWindow *window = NULL;

  gtk_menu_button_set_label (GTK_MENU_BUTTON (menu_button), "More");
  gtk_box_append (GTK_BOX (inside), gtk_button_new_with_label ("Copy"));
  gtk_box_append (GTK_BOX (inside), bare);
  gtk_popover_set_child (GTK_POPOVER (popover), inside);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (menu_button), popover);
  gtk_box_append (GTK_BOX (box), menu_button);
  gtk_popover_set_child (GTK_POPOVER (context), sw);
  gtk_widget_set_parent (context, box);

  ks_test_gui_show (box, 400, 300, &window);
  g_assert_cmpuint (check_popups (box, "popup fixture", 2), ==, 2);
  gtk_accessible_update_property (GTK_ACCESSIBLE (bare), GTK_ACCESSIBLE_PROPERTY_LABEL, "Delete", -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL, "Dark", -1);
  g_assert_cmpuint (check_popups (box, "popup fixture, mended", 2), ==, 0);

  gtk_widget_unparent (context);
  gtk_window_destroy (window);
}

/* ---- the styles ------------------------------------------------------------------ */

/* Prints, from @widget down, the visible children whose minimum width
 * comes near @budget: the path to what holds the window wider than it
 * was asked to be. */
static void
print_wide (GtkWidget *widget,
            int        budget,
            guint      depth)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *id = GTK_IS_BUILDABLE (child) ? gtk_buildable_get_buildable_id (GTK_BUILDABLE (child)) : NULL;
      int minimum = 0;

      if (!gtk_widget_get_visible (child))
        continue;
      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
      if (minimum < budget)
        continue;
      g_printerr ("# %*s%s%s%s: minimum width %d\n", (int) depth * 2, "",
                  G_OBJECT_TYPE_NAME (child), id ? "#" : "", id ? id : "", minimum);
      print_wide (child, budget, depth + 1);
    }
}

/* The window keeps the width it asked for at any text scale, whichever
 * page shows. */
static void
assert_width (Fixture *fixture)
{
  GtkWidget *window = GTK_WIDGET (fixture->window);
  int width = gdk_surface_get_width (gtk_native_get_surface (GTK_NATIVE (window)));

  if (width != WINDOW_WIDTH)
    {
      g_printerr ("# the window is %d px wide, asked for %d; what holds it:\n", width, WINDOW_WIDTH);
      print_wide (window, WINDOW_WIDTH / 4, 0);
    }
  g_assert_cmpint (width, ==, WINDOW_WIDTH);
}

/* The gallery is a contact sheet at any text scale: every tile has the
 * size the text scale asks for (none is pushed larger by its words), and
 * the "Simulated" and "Sweep" badges of a tile never overlap. */
static void
collect_tiles (GtkWidget *root,
               GPtrArray *tiles)
{
  if (!gtk_widget_get_mapped (root))
    return;
  if (KS_IS_GALLERY_TILE (root))
    {
      g_ptr_array_add (tiles, root);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_tiles (child, tiles);
}

static graphene_rect_t
bounds_in (GtkWidget *widget,
           GtkWidget *target)
{
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_compute_bounds (widget, target, &bounds));
  return bounds;
}

static void
assert_tiles (Fixture *fixture,
              int      expected_size)
{
  GtkWidget *grid = ks_test_gui_get (GTK_WIDGET (fixture->window), "grid_view");
  g_autoptr(GPtrArray) tiles = g_ptr_array_new ();
  guint n_both = 0;
  graphene_rect_t first;

  collect_tiles (grid, tiles);
  g_assert_cmpuint (tiles->len, ==, G_N_ELEMENTS (prompts));
  first = bounds_in (tiles->pdata[0], grid);
  g_test_message ("%u tiles of %g × %g (text scale asks for %d)",
                  tiles->len, first.size.width, first.size.height, expected_size);

  for (guint i = 0; i < tiles->len; i++)
    {
      GtkWidget *tile = tiles->pdata[i];
      GtkWidget *simulated = ks_test_gui_get (tile, "simulated_badge");
      GtkWidget *sweep = ks_test_gui_get (tile, "sweep_button");
      graphene_rect_t bounds = bounds_in (tile, grid);
      graphene_rect_t inside = GRAPHENE_RECT_INIT (0, 0, bounds.size.width, bounds.size.height);
      graphene_rect_t a, b;

      if (bounds.size.width != first.size.width || bounds.size.height != first.size.height)
        g_error ("tile %u is %g × %g, tile 0 %g × %g: the grid's tiles differ",
                 i, bounds.size.width, bounds.size.height, first.size.width, first.size.height);
      g_assert_cmpfloat (bounds.size.width, ==, expected_size);
      g_assert_cmpfloat (bounds.size.height, ==, expected_size);

      if (!gtk_widget_get_mapped (simulated) || !gtk_widget_get_mapped (sweep))
        continue;
      n_both++;
      a = bounds_in (simulated, tile);
      b = bounds_in (sweep, tile);
      if (graphene_rect_intersection (&a, &b, NULL))
        g_error ("tile %u: the badges overlap (Simulated at %g,%g %g × %g, Sweep at %g,%g %g × %g)",
                 i, a.origin.x, a.origin.y, a.size.width, a.size.height,
                 b.origin.x, b.origin.y, b.size.width, b.size.height);
      g_assert_true (graphene_rect_contains_rect (&inside, &a));
      g_assert_true (graphene_rect_contains_rect (&inside, &b));
    }
  /* The fixture's two sweep results are simulated: both badges show. */
  g_assert_cmpuint (n_both, ==, 2);
}

/* Every label of the composer's rows reads in full: wrapped, never cut
 * short with "…" (a combo row's value included). */
static guint
count_ellipsized (GtkWidget *root)
{
  guint n = 0;

  if (!gtk_widget_get_mapped (root) || GTK_IS_POPOVER (root))
    return 0;
  if (GTK_IS_LABEL (root) && gtk_widget_get_ancestor (root, ADW_TYPE_PREFERENCES_ROW) != NULL &&
      pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (root))))
    {
      g_autofree char *path = widget_path (root);

      g_printerr ("# ELLIPSIZED “%s” at %s\n", gtk_label_get_text (GTK_LABEL (root)), path);
      n++;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_ellipsized (child);
  return n;
}

static void
test_style (Fixture       *fixture,
            gconstpointer  data)
{
  const char *style = g_getenv ("KS_TEST_STYLE");
  g_autofree char *main_name = NULL;
  g_autofree char *viewer_name = NULL;

  if (style == NULL)
    {
      g_test_skip ("KS_TEST_STYLE is not set: the style runs set it");
      return;
    }

  main_name = g_strdup_printf ("style-%s.png", style);
  viewer_name = g_strdup_printf ("style-%s-viewer.png", style);

  if (g_str_equal (style, "high-contrast"))
    g_assert_true (adw_style_manager_get_high_contrast (adw_style_manager_get_default ()));
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 5);
  assert_width (fixture);
  assert_tiles (fixture, g_str_equal (style, "large-text") ? 3 * KS_GALLERY_TILE_SIZE / 2 : KS_GALLERY_TILE_SIZE);
  g_assert_cmpuint (count_ellipsized (GTK_WIDGET (ks_window_get_composer (fixture->window))), ==, 0);
  g_assert_cmpuint (ks_test_gui_screenshot (GTK_WIDGET (fixture->window), main_name), >, 30);
  open_viewer (fixture);
  assert_width (fixture);
  g_assert_cmpuint (ks_test_gui_screenshot (GTK_WIDGET (fixture->window), viewer_name), >, 30);
}

int
main (int   argc,
      char *argv[])
{
  const char *style = g_getenv ("KS_TEST_STYLE");

  if (!ks_test_gui_setup (&argc, &argv))
    return 1;

  if (style != NULL && g_str_equal (style, "dark"))
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  else if (style != NULL)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);
  if (style != NULL && g_str_equal (style, "large-text"))
    /* What GNOME's text-scaling-factor 1.5 becomes: 1.5 × 96 dpi, in 1/1024. */
    g_object_set (gtk_settings_get_default (), "gtk-xft-dpi", (int) (1.5 * 96 * 1024), NULL);

  g_test_add_func ("/a11y/walk-catches", test_walk_catches);
  g_test_add_func ("/a11y/popup-walk-catches", test_popup_walk_catches);
  g_test_add ("/a11y/names", Fixture, NULL, fixture_set_up, test_names, fixture_tear_down);
  g_test_add ("/a11y/style", Fixture, NULL, fixture_set_up, test_style, fixture_tear_down);

  return g_test_run ();
}
