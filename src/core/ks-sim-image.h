#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* The simulated model's drawing: real images that depend on the input. */

/* Width and height near one megapixel for an aspect ratio such as "16:9"
 * (multiples of 16, as the model returns). */
void       ks_sim_image_size_for_aspect (const char *aspect_ratio,
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
