#pragma once

#include "ks-composer.h"
#include "ks-contact-sheet.h"
#include "ks-gallery.h"
#include "ks-session.h"
#include "ks-sweep-dialog.h"
#include "ks-viewer.h"
#include "ks-window.h"

G_BEGIN_DECLS

/* Shared by ks-window.c (the object, its pages, the banner and the
 * session's signals) and ks-window-actions.c (the actions, and what the
 * composer, the gallery and the viewer ask for). */

struct _KsWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  GtkStack             *main_stack;
  AdwStatusPage        *welcome_page;
  AdwPasswordEntryRow  *key_row;
  GtkLabel             *welcome_error_label;
  AdwWindowTitle       *window_title;
  GtkWidget            *running_box;
  GtkSpinner           *running_spinner;
  GtkLabel             *running_label;
  GtkRevealer          *banner_revealer;
  GtkLabel             *banner_label;
  GtkButton            *banner_button;
  AdwToastOverlay      *toast_overlay;
  AdwClamp             *composer_clamp;
  GtkStack             *content_stack;
  KsGallery            *gallery;
  KsViewer             *viewer;

  /* Made in constructed(): it needs the settings */
  KsComposer           *composer;

  KsSession            *session;
  GSettings            *settings;
  GCancellable         *cancellable;

  /* The last deleted item, until its toast is gone */
  KsGalleryItem        *undo_item;
  guint                 undo_position;
  AdwToast             *undo_toast;

  /* The KsError code of the problem the banner shows, -1 when none */
  int                   banner_code;

  guint                 storing_key : 1;
  guint                 testing_connection : 1;
  guint                 studio_shown : 1;
};

void      _ks_window_show_toast       (KsWindow      *self,
                                       const char    *text);
gboolean  _ks_window_viewer_is_shown  (KsWindow      *self);
void      _ks_window_show_gallery     (KsWindow      *self);
KsViewer *_ks_window_ensure_viewer    (KsWindow      *self);
void      _ks_window_show_viewer      (KsWindow      *self,
                                       KsGalleryItem *item);
void      _ks_window_focus_prompt     (KsWindow      *self);
void      _ks_window_hide_banner      (KsWindow      *self);
void      _ks_window_show_banner      (KsWindow      *self,
                                       int            code,
                                       const char    *text);

/* ks-window-actions.c */
void      _ks_window_update_actions   (KsWindow      *self);
void      _ks_window_connect_composer (KsWindow      *self);
void      _ks_window_class_add_actions (GtkWidgetClass *widget_class);

/* ks-window-sweep.c */
void      _ks_window_class_add_sweep_actions (GtkWidgetClass *widget_class);
KsSweepDialog  *_ks_window_open_sweep_dialog (KsWindow   *self);
KsContactSheet *_ks_window_show_batch        (KsWindow   *self,
                                              const char *batch_id);

G_END_DECLS
