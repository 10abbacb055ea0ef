/* ks-sim-image.c: the simulated model's pictures, drawn with gdk-pixbuf
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ks-sim-image"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "ks-sim-image.h"

#define TARGET_AREA (1024.0 * 1024.0)

typedef struct
{
  guint8 r, g, b;
} Rgb;

static int
round_to_16 (double value)
{
  int rounded = (int) floor (value / 16.0 + 0.5) * 16;

  return MAX (rounded, 16);
}

void
ks_sim_image_size_for_ratio (double  ratio,
                             int    *width,
                             int    *height)
{
  g_return_if_fail (width != NULL && height != NULL);

  if (!isfinite (ratio) || ratio <= 0)
    ratio = 1.0;
  ratio = CLAMP (ratio, 0.25, 4.0);

  *width = round_to_16 (sqrt (TARGET_AREA * ratio));
  *height = round_to_16 (sqrt (TARGET_AREA / ratio));
}

void
ks_sim_image_size_for_aspect (const char *aspect_ratio,
                              int        *width,
                              int        *height)
{
  guint64 a = 1, b = 1;

  g_return_if_fail (width != NULL && height != NULL);

  if (aspect_ratio != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (aspect_ratio, ":", -1);

      if (g_strv_length (parts) != 2 ||
          !g_ascii_string_to_unsigned (parts[0], 10, 1, 100, &a, NULL) ||
          !g_ascii_string_to_unsigned (parts[1], 10, 1, 100, &b, NULL))
        a = b = 1;
    }

  ks_sim_image_size_for_ratio ((double) a / (double) b, width, height);
}

/* A deterministic generator from the prompt and the seed: the same input
 * always gives the same picture, any change gives another one. */
static GRand *
rand_for_input (const char *prompt,
                guint64     seed,
                guint32     salt)
{
  guint32 words[4];

  words[0] = (guint32) (seed & 0xffffffffu);
  words[1] = (guint32) (seed >> 32);
  words[2] = g_str_hash (prompt != NULL ? prompt : "");
  words[3] = salt;

  return g_rand_new_with_seed_array (words, G_N_ELEMENTS (words));
}

static Rgb
random_colour (GRand *rand)
{
  /* A saturated colour from a random hue. */
  double hue = g_rand_double (rand) * 6.0;
  double value = g_rand_double_range (rand, 0.55, 1.0);
  double low = value * g_rand_double_range (rand, 0.0, 0.35);
  double frac = hue - floor (hue);
  double rising = low + (value - low) * frac;
  double falling = value - (value - low) * frac;
  double r, g, b;
  Rgb colour;

  switch ((int) hue % 6)
    {
    case 0: r = value; g = rising; b = low; break;
    case 1: r = falling; g = value; b = low; break;
    case 2: r = low; g = value; b = rising; break;
    case 3: r = low; g = falling; b = value; break;
    case 4: r = rising; g = low; b = value; break;
    default: r = value; g = low; b = falling; break;
    }

  colour.r = (guint8) CLAMP (r * 255.0, 0, 255);
  colour.g = (guint8) CLAMP (g * 255.0, 0, 255);
  colour.b = (guint8) CLAMP (b * 255.0, 0, 255);

  return colour;
}

static inline void
blend_pixel (guint8 *p,
             Rgb     colour,
             double  alpha)
{
  p[0] = (guint8) (p[0] + (colour.r - p[0]) * alpha);
  p[1] = (guint8) (p[1] + (colour.g - p[1]) * alpha);
  p[2] = (guint8) (p[2] + (colour.b - p[2]) * alpha);
}

static void
draw_disc (GdkPixbuf *pixbuf,
           double     cx,
           double     cy,
           double     radius,
           Rgb        colour,
           double     alpha)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int x0 = MAX (0, (int) (cx - radius));
  int x1 = MIN (width - 1, (int) (cx + radius));
  int y0 = MAX (0, (int) (cy - radius));
  int y1 = MIN (height - 1, (int) (cy + radius));

  for (int y = y0; y <= y1; y++)
    {
      guint8 *row = pixels + (gsize) y * stride;
      double dy = y - cy;

      for (int x = x0; x <= x1; x++)
        {
          double dx = x - cx;
          double d = sqrt (dx * dx + dy * dy);

          if (d <= radius)
            /* A soft edge, one pixel wide. */
            blend_pixel (row + x * channels, colour, alpha * MIN (1.0, radius - d));
        }
    }
}

static void
draw_rect (GdkPixbuf *pixbuf,
           int        x0,
           int        y0,
           int        x1,
           int        y1,
           Rgb        colour,
           double     alpha)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);

  x0 = CLAMP (x0, 0, width);
  x1 = CLAMP (x1, 0, width);
  y0 = CLAMP (y0, 0, height);
  y1 = CLAMP (y1, 0, height);

  for (int y = y0; y < y1; y++)
    {
      guint8 *row = pixels + (gsize) y * stride;

      for (int x = x0; x < x1; x++)
        blend_pixel (row + x * channels, colour, alpha);
    }
}

GdkPixbuf *
ks_sim_image_generate (const char *prompt,
                       guint64     seed,
                       int         width,
                       int         height)
{
  g_autoptr(GRand) rand = NULL;
  GdkPixbuf *pixbuf;
  guint8 *pixels;
  int stride;
  Rgb from, to;
  double angle, ca, sa, span;
  int n_shapes;

  g_return_val_if_fail (width > 0 && height > 0, NULL);

  rand = rand_for_input (prompt, seed, 0x7e57);
  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  pixels = gdk_pixbuf_get_pixels (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);

  /* The background: a linear gradient at an angle of its own. */
  from = random_colour (rand);
  to = random_colour (rand);
  angle = g_rand_double (rand) * 2 * G_PI;
  ca = cos (angle);
  sa = sin (angle);
  span = fabs (ca) * width + fabs (sa) * height;

  for (int y = 0; y < height; y++)
    {
      guint8 *row = pixels + (gsize) y * stride;

      for (int x = 0; x < width; x++)
        {
          double t = ((x - width / 2.0) * ca + (y - height / 2.0) * sa) / span + 0.5;
          guint8 *p = row + x * 3;

          t = CLAMP (t, 0.0, 1.0);
          p[0] = (guint8) (from.r + (to.r - from.r) * t);
          p[1] = (guint8) (from.g + (to.g - from.g) * t);
          p[2] = (guint8) (from.b + (to.b - from.b) * t);
        }
    }

  /* Then discs and bars in colours of their own. */
  n_shapes = g_rand_int_range (rand, 4, 9);
  for (int i = 0; i < n_shapes; i++)
    {
      Rgb colour = random_colour (rand);
      double alpha = g_rand_double_range (rand, 0.45, 0.9);

      if (g_rand_boolean (rand))
        draw_disc (pixbuf,
                   g_rand_double (rand) * width,
                   g_rand_double (rand) * height,
                   g_rand_double_range (rand, 0.05, 0.25) * MIN (width, height),
                   colour, alpha);
      else
        {
          int x = g_rand_int_range (rand, 0, width);
          int y = g_rand_int_range (rand, 0, height);

          draw_rect (pixbuf, x, y,
                     x + g_rand_int_range (rand, width / 16 + 1, width / 3 + 2),
                     y + g_rand_int_range (rand, height / 16 + 1, height / 3 + 2),
                     colour, alpha);
        }
    }

  return pixbuf;
}

typedef enum
{
  GRADE_TINT,
  GRADE_MONOCHROME,
  GRADE_INVERT,
} Grade;

static Grade
grade_for_prompt (const char *prompt)
{
  g_autofree char *lower = g_utf8_strdown (prompt != NULL ? prompt : "", -1);

  if (strstr (lower, "black and white") != NULL ||
      strstr (lower, "grayscale") != NULL ||
      strstr (lower, "greyscale") != NULL ||
      strstr (lower, "monochrome") != NULL)
    return GRADE_MONOCHROME;

  if (strstr (lower, "invert") != NULL || strstr (lower, "negative") != NULL)
    return GRADE_INVERT;

  return GRADE_TINT;
}

/* Crops @reference to the aspect of width × height around its centre,
 * scales it and drops any alpha channel (flattened over white). */
static GdkPixbuf *
crop_and_scale (GdkPixbuf *reference,
                int        width,
                int        height)
{
  g_autoptr(GdkPixbuf) cropped = NULL;
  g_autoptr(GdkPixbuf) scaled = NULL;
  int ref_width = gdk_pixbuf_get_width (reference);
  int ref_height = gdk_pixbuf_get_height (reference);
  double target = (double) width / height;
  int crop_width = ref_width, crop_height = ref_height;
  GdkPixbuf *flat;

  if ((double) ref_width / ref_height > target)
    crop_width = MAX (1, (int) (ref_height * target));
  else
    crop_height = MAX (1, (int) (ref_width / target));

  cropped = gdk_pixbuf_new_subpixbuf (reference,
                                      (ref_width - crop_width) / 2,
                                      (ref_height - crop_height) / 2,
                                      crop_width, crop_height);
  scaled = gdk_pixbuf_scale_simple (cropped, width, height, GDK_INTERP_BILINEAR);
  if (scaled == NULL)
    return NULL;

  if (!gdk_pixbuf_get_has_alpha (scaled))
    return g_steal_pointer (&scaled);

  flat = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  gdk_pixbuf_fill (flat, 0xffffffff);
  gdk_pixbuf_composite (scaled, flat, 0, 0, width, height, 0, 0, 1, 1,
                        GDK_INTERP_NEAREST, 255);

  return flat;
}

GdkPixbuf *
ks_sim_image_edit (GdkPixbuf  *reference,
                   const char *prompt,
                   guint64     seed,
                   int         width,
                   int         height)
{
  g_autoptr(GRand) rand = NULL;
  GdkPixbuf *pixbuf;
  guint8 *pixels;
  int stride, channels;
  Grade grade;
  Rgb tint, mark;
  double strength;
  int size;

  g_return_val_if_fail (GDK_IS_PIXBUF (reference), NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  pixbuf = crop_and_scale (reference, width, height);
  if (pixbuf == NULL)
    return NULL;

  rand = rand_for_input (prompt, seed, 0xed17);
  pixels = gdk_pixbuf_get_pixels (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  channels = gdk_pixbuf_get_n_channels (pixbuf);
  grade = grade_for_prompt (prompt);
  tint = random_colour (rand);
  strength = g_rand_double_range (rand, 0.35, 0.6);

  for (int y = 0; y < height; y++)
    {
      guint8 *row = pixels + (gsize) y * stride;

      for (int x = 0; x < width; x++)
        {
          guint8 *p = row + x * channels;
          double luma = (0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]) / 255.0;

          switch (grade)
            {
            case GRADE_MONOCHROME:
              p[0] = p[1] = p[2] = (guint8) (luma * 255.0);
              break;

            case GRADE_INVERT:
              p[0] = 255 - p[0];
              p[1] = 255 - p[1];
              p[2] = 255 - p[2];
              break;

            case GRADE_TINT:
            default:
              {
                /* Duotone towards the tint, keeping the light. */
                Rgb toned;

                toned.r = (guint8) CLAMP (tint.r * (0.25 + luma), 0, 255);
                toned.g = (guint8) CLAMP (tint.g * (0.25 + luma), 0, 255);
                toned.b = (guint8) CLAMP (tint.b * (0.25 + luma), 0, 255);
                blend_pixel (p, toned, strength);
              }
              break;
            }
        }
    }

  /* A mark in the lower right corner: the edit is never the reference. */
  mark = random_colour (rand);
  size = MAX (8, MIN (width, height) / 8);
  draw_disc (pixbuf, width - size, height - size, size * 0.6, mark, 0.9);
  draw_rect (pixbuf, 0, height - MAX (2, height / 96), width, height, mark, 0.9);

  return pixbuf;
}
