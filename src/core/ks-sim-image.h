#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* The simulated model's drawing: real images that depend on the input.
 * Everything here is pure computation on pixbufs and safe to call from
 * any thread. */

/* Width and height near one megapixel for an aspect ratio such as "16:9"
 * (multiples of 16, as the model returns). NULL or an unknown text: 1:1. */
void       ks_sim_image_size_for_aspect (const char *aspect_ratio,
                                         int        *width,
                                         int        *height);
/* The same for a ratio given as width / height (clamped to 1:4 … 4:1). */
void       ks_sim_image_size_for_ratio  (double      ratio,
                                         int        *width,
                                         int        *height);
/* text-to-image: a picture drawn from the prompt and the seed. */
GdkPixbuf *ks_sim_image_generate        (const char *prompt,
                                         guint64     seed,
                                         int         width,
                                         int         height);
/* edit: the reference visibly transformed according to the prompt and
 * seed, cropped and scaled to width × height. */
GdkPixbuf *ks_sim_image_edit            (GdkPixbuf  *reference,
                                         const char *prompt,
                                         guint64     seed,
                                         int         width,
                                         int         height);

G_END_DECLS
