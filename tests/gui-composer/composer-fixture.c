#include "config.h"

#include "composer-fixture.h"
#include "ks-core.h"
#include "ks-test-gui.h"

#define DEADLINE_MS 20000

static void
on_error (KsComposer *composer,
          const char *message,
          GPtrArray  *errors)
{
  g_test_message ("error: %s", message);
  g_ptr_array_add (errors, g_strdup (message));
}

KsComposer *
ks_test_composer_open (GSettings  *settings,
                       GPtrArray  *errors,
                       GtkWindow **out_window)
{
  GtkWidget *composer = ks_composer_new (settings);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_title (window, "Composer");
  gtk_window_set_default_size (window, 380, 1000);
  gtk_window_set_child (window, composer);
  gtk_window_present (window);
  g_signal_connect (composer, "error", G_CALLBACK (on_error), errors);
  ks_test_gui_wait_frames (GTK_WIDGET (window), 2);

  *out_window = window;
  return KS_COMPOSER (composer);
}

static gboolean
not_busy (gpointer data)
{
  gboolean busy = TRUE;

  g_object_get (data, "busy", &busy, NULL);
  return !busy;
}

typedef struct
{
  KsComposer *composer;
  guint       n;
} Count;

static gboolean
has_n_references (gpointer data)
{
  Count *count = data;

  return ks_composer_get_n_references (count->composer) == count->n &&
         !ks_test_gui_find_text (GTK_WIDGET (count->composer), "Reading the reference");
}

void
ks_test_composer_wait_references (KsComposer *composer,
                                  guint       n)
{
  Count count = { composer, n };

  g_assert_true (ks_test_gui_wait_until (not_busy, composer, DEADLINE_MS));
  g_assert_true (ks_test_gui_wait_until (has_n_references, &count, DEADLINE_MS));
  ks_test_gui_wait_frames (GTK_WIDGET (composer), 2);
}

GtkWidget *
ks_test_composer_find (KsComposer *composer,
                       const char *name)
{
  return ks_test_gui_get (GTK_WIDGET (composer), name);
}

gboolean
ks_test_composer_shows_text (KsComposer *composer,
                             const char *text)
{
  ks_test_gui_wait_frames (GTK_WIDGET (composer), 1);
  return ks_test_gui_find_text (GTK_WIDGET (composer), text) != NULL;
}

const char *
ks_test_composer_reference (KsComposer *composer,
                            guint       i)
{
  const char * const *refs = ks_params_get_references (ks_composer_get_params (composer));

  g_assert_nonnull (refs);
  g_assert_cmpuint (g_strv_length ((char **) refs), >, i);
  return refs[i];
}
