#pragma once

#include "ks-gallery-tile.h"

G_BEGIN_DECLS

#define KS_GALLERY_TILE_MAX_SAFETY_TOLERANCE 6

struct _KsGalleryTile
{
  GtkWidget      parent_instance;

  KsGalleryItem *item;
  GSignalGroup  *item_signals;
  GSignalGroup  *job_signals;
  char          *status_text;
  GString       *logs;
  guint          tooltips_set;     /* TooltipGroup bits */

  /* Template children */
  GtkWidget     *overlay;
  GtkStack      *stack;
  GtkPicture    *picture;
  GtkWidget     *caption_label;
  GtkWidget     *simulated_badge;
  GtkWidget     *sweep_button;

  /* The job page, NULL until a tile first shows a job */
  GtkSpinner    *spinner;
  GtkLabel      *status_label;
  GtkLabel      *job_prompt_label;
  GtkWidget     *logs_button;
  GtkWidget     *cancel_button;
  GtkLabel      *logs_label;       /* made when the logs are first shown */

  /* The page of a job that ended without images, NULL until shown */
  GtkImage      *failed_icon;
  GtkLabel      *failed_title_label;
  GtkLabel      *reason_label;
  GtkWidget     *retry_button;
  AdwButtonContent *retry_content;

  /* The page of a flagged image, NULL until shown */
  GtkLabel      *filtered_detail_label;
  GtkLabel      *tolerance_label;
  GtkWidget     *tolerance_button;
};

/* ks-gallery-tile.c */
gboolean  _ks_gallery_tile_item_is_record     (KsGalleryItem *item);
gboolean  _ks_gallery_tile_item_is_filtered   (KsGalleryItem *item);
KsJob    *_ks_gallery_tile_item_running_job   (KsGalleryItem *item);
int       _ks_gallery_tile_retry_tolerance    (KsGalleryTile *self);
void      _ks_gallery_tile_set_status_text    (KsGalleryTile *self,
                                               const char    *text);

/* ks-gallery-tile-pages.c: the pages other than the image */
void      _ks_gallery_tile_show_record        (KsGalleryTile *self);
void      _ks_gallery_tile_show_filtered      (KsGalleryTile *self);
void      _ks_gallery_tile_stop_spinner       (KsGalleryTile *self);
void      _ks_gallery_tile_reload_logs        (KsGalleryTile *self);
/* After the template went: the pages went with the stack. */
void      _ks_gallery_tile_forget_pages       (KsGalleryTile *self);
void      _ks_gallery_tile_add_log            (KsGalleryTile    *self,
                                               const KsLogEntry *entry);

G_END_DECLS
