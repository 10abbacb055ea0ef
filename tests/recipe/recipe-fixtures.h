#pragma once

#include "ks-core.h"

G_BEGIN_DECLS

/* Shared by the recipe tests: a record with every field set, images,
 * hand-built PNG chunks and JPEG segments, and expectations on the reader. */

#define BIG_SEED G_GUINT64_CONSTANT (15860307465884635512)
#define BIG_SEED_TEXT "15860307465884635512"
#define ENDPOINT_ID "fal-ai/flux-pro/kontext"
#define BASE_MARKER "h9-base-marker"
#define BASE_URL "https://queue.example.test/" BASE_MARKER
#define FAKE_KEY "h9-fake-key-1234:abcdef0123456789"
#define REQUEST_ID "req-h9-0001"
#define PARENT_ID "parent-record-1"
#define KEYWORD "KontextStudio:Recipe"
/* é (Latin-1), a snowman (BMP) and an emoji (beyond the BMP) */
#define PROMPT "Make it a “winter” scene, café\n\"quoted\" \xe2\x98\x83 \xf0\x9f\x98\x80"

/* A record on ENDPOINT_ID with every recipe field set (result seed
 * BIG_SEED when @with_seed, else only the asked-for seed 42), and its
 * recipe for image 1. */
KsRecord   *make_record            (gboolean      with_seed);
KsRecipe   *make_recipe            (void);
/* Seeded noise, so JPEG quality shows in the size. */
GdkPixbuf  *make_pixbuf            (int           width,
                                    int           height,
                                    guint32       seed);
/* A 40×24 image through ks_recipe_encode_image(); asserts success. */
GBytes     *encode                 (const char   *format,
                                    int           quality,
                                    KsRecipe     *recipe);
/* Decodes with gdk-pixbuf by @type ("png", "jpeg"). */
GdkPixbuf  *decode                 (GBytes       *bytes,
                                    const char   *type);
gboolean    bytes_contain          (GBytes       *bytes,
                                    const char   *needle);
void        assert_same_recipe     (KsRecipe     *a,
                                    KsRecipe     *b);
/* Every field as make_record() set it. */
void        assert_expected_recipe (KsRecipe     *recipe);

KsRecipe   *read_recipe            (const guint8 *data,
                                    gsize         size,
                                    GError      **error);
/* NULL without an error / NULL with KS_ERROR_MALFORMED / either, or a
 * recipe — never anything else. */
void        expect_none            (const char   *what,
                                    const guint8 *data,
                                    gsize         size);
void        expect_malformed       (const char   *what,
                                    const guint8 *data,
                                    gsize         size);
void        read_anything          (const guint8 *data,
                                    gsize         size);

/* PNG chunks: @declared is the length written in the header, whatever
 * @size of data follows. */
void        put_chunk_full         (GByteArray   *out,
                                    const char   *type,
                                    const void   *data,
                                    gsize         size,
                                    guint32       declared,
                                    gboolean      good_crc);
void        put_chunk              (GByteArray   *out,
                                    const char   *type,
                                    const void   *data,
                                    gsize         size);
void        put_bad_crc_recipe     (GByteArray   *out,
                                    const char   *json);
/* tEXt, or iTXt uncompressed with empty language and translation. */
void        put_text_chunk         (GByteArray   *out,
                                    const char   *type,
                                    const char   *keyword,
                                    const char   *text);
/* A real plain PNG: its signature and IHDR, then (png_finish) the rest. */
GByteArray *png_head               (void);
GBytes     *png_finish             (GByteArray   *head);
/* A real plain JPEG with @segment right after SOI. */
GBytes     *jpeg_with              (const void   *segment,
                                    gsize         size);
GBytes     *jpeg_comment           (const char   *text);
/* The markers before SOS as "e0 fe db …". */
GString    *jpeg_markers           (GBytes       *bytes);

G_END_DECLS
