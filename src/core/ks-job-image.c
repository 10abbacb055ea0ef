#define G_LOG_DOMAIN "ks-job"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-job.h"

/* KsJobImage: one result image of a job, downloaded and decoded. */

struct _KsJobImage
{
  GObject    parent_instance;

  guint      index;
  char      *url;
  int        width;
  int        height;
  char      *content_type;
  GBytes    *bytes;
  GdkPixbuf *pixbuf;
  gboolean   has_nsfw_concepts;
};

G_DEFINE_FINAL_TYPE (KsJobImage, ks_job_image, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_INDEX,
  PROP_URL,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_CONTENT_TYPE,
  PROP_BYTES,
  PROP_PIXBUF,
  PROP_HAS_NSFW_CONCEPTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ks_job_image_finalize (GObject *object)
{
  KsJobImage *self = (KsJobImage *)object;

  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->content_type, g_free);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_object (&self->pixbuf);

  G_OBJECT_CLASS (ks_job_image_parent_class)->finalize (object);
}

static void
ks_job_image_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  KsJobImage *self = KS_JOB_IMAGE (object);

  switch (prop_id)
    {
    case PROP_INDEX:
      g_value_set_uint (value, self->index);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_WIDTH:
      g_value_set_int (value, self->width);
      break;
    case PROP_HEIGHT:
      g_value_set_int (value, self->height);
      break;
    case PROP_CONTENT_TYPE:
      g_value_set_string (value, self->content_type);
      break;
    case PROP_BYTES:
      g_value_set_boxed (value, self->bytes);
      break;
    case PROP_PIXBUF:
      g_value_set_object (value, self->pixbuf);
      break;
    case PROP_HAS_NSFW_CONCEPTS:
      g_value_set_boolean (value, self->has_nsfw_concepts);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_job_image_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  KsJobImage *self = KS_JOB_IMAGE (object);

  switch (prop_id)
    {
    case PROP_INDEX:
      self->index = g_value_get_uint (value);
      break;
    case PROP_URL:
      self->url = g_value_dup_string (value);
      break;
    case PROP_WIDTH:
      self->width = g_value_get_int (value);
      break;
    case PROP_HEIGHT:
      self->height = g_value_get_int (value);
      break;
    case PROP_CONTENT_TYPE:
      self->content_type = g_value_dup_string (value);
      break;
    case PROP_BYTES:
      self->bytes = g_value_dup_boxed (value);
      break;
    case PROP_PIXBUF:
      self->pixbuf = g_value_dup_object (value);
      break;
    case PROP_HAS_NSFW_CONCEPTS:
      self->has_nsfw_concepts = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_job_image_class_init (KsJobImageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                      G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ks_job_image_finalize;
  object_class->get_property = ks_job_image_get_property;
  object_class->set_property = ks_job_image_set_property;

  properties[PROP_INDEX] =
    g_param_spec_uint ("index", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, NULL, flags);
  properties[PROP_WIDTH] =
    g_param_spec_int ("width", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_HEIGHT] =
    g_param_spec_int ("height", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_CONTENT_TYPE] =
    g_param_spec_string ("content-type", NULL, NULL, NULL, flags);
  properties[PROP_BYTES] =
    g_param_spec_boxed ("bytes", NULL, NULL, G_TYPE_BYTES, flags);
  properties[PROP_PIXBUF] =
    g_param_spec_object ("pixbuf", NULL, NULL, GDK_TYPE_PIXBUF, flags);
  properties[PROP_HAS_NSFW_CONCEPTS] =
    g_param_spec_boolean ("has-nsfw-concepts", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_job_image_init (KsJobImage *self)
{
}

guint
ks_job_image_get_index (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), 0);
  return self->index;
}

const char *
ks_job_image_get_url (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), NULL);
  return self->url;
}

int
ks_job_image_get_width (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), 0);
  return self->width;
}

int
ks_job_image_get_height (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), 0);
  return self->height;
}

const char *
ks_job_image_get_content_type (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), NULL);
  return self->content_type;
}

GBytes *
ks_job_image_get_bytes (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), NULL);
  return self->bytes;
}

GdkPixbuf *
ks_job_image_get_pixbuf (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), NULL);
  return self->pixbuf;
}

gboolean
ks_job_image_get_has_nsfw_concepts (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), FALSE);
  return self->has_nsfw_concepts;
}

const char *
ks_job_image_get_extension (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), NULL);

  if (self->content_type == NULL)
    return "jpg";
  if (g_ascii_strcasecmp (self->content_type, "image/png") == 0)
    return "png";
  if (g_ascii_strcasecmp (self->content_type, "image/webp") == 0)
    return "webp";
  if (g_ascii_strcasecmp (self->content_type, "image/avif") == 0)
    return "avif";
  if (g_ascii_strcasecmp (self->content_type, "image/gif") == 0)
    return "gif";

  return "jpg";
}

/* The content type of what was actually received: the bytes decide (a CDN
 * may label a PNG as octet-stream), then the result's word, then the
 * download's header. */
