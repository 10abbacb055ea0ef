#define G_LOG_DOMAIN "ks-gallery-items"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-gallery-items.h"

/* One record's tiles. */
typedef struct
{
  KsGalleryItems *self;     /* not a reference: the model owns the entry */
  KsRecord       *record;
  GPtrArray      *items;    /* KsGalleryItem, never empty */
  guint           offset;   /* position of the first tile; see offsets_dirty */
  gulong          images_handler;
} Entry;

struct _KsGalleryItems
{
  GObject     parent_instance;

  KsLibrary  *library;
  GListModel *records;
  GPtrArray  *entries;      /* Entry, parallel to records */
  guint       n_items;
  guint       offsets_dirty : 1;
};

static void ks_gallery_items_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsGalleryItems, ks_gallery_items, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      ks_gallery_items_list_model_init))

enum {
  PROP_0,
  PROP_LIBRARY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- entries ------------------------------------------------------------ */

static KsGalleryItem *
find_old_item (GPtrArray *old_items,
               int        image_index)
{
  for (guint i = 0; old_items != NULL && i < old_items->len; i++)
    {
      KsGalleryItem *item = g_ptr_array_index (old_items, i);

      if (ks_gallery_item_get_image_index (item) == image_index)
        return item;
    }

  return NULL;
}

/* The tiles a record shows now: its written images, else itself. Tiles
 * that stay keep their item (and its thumbnail). */
static GPtrArray *
entry_make_items (Entry     *entry,
                  GPtrArray *old_items)
{
  GPtrArray *images = ks_record_get_images (entry->record);
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; images != NULL && i < images->len; i++)
    {
      const KsRecordImage *image = g_ptr_array_index (images, i);
      KsGalleryItem *old;

      if (image->file == NULL)
        continue;

      old = find_old_item (old_items, (int) image->index);
      g_ptr_array_add (items, old != NULL
                              ? g_object_ref (old)
                              : ks_gallery_item_new (entry->self->library, entry->record,
                                                     (int) image->index));
    }

  if (items->len == 0)
    {
      KsGalleryItem *old = find_old_item (old_items, -1);

      g_ptr_array_add (items, old != NULL
                              ? g_object_ref (old)
                              : ks_gallery_item_new (entry->self->library, entry->record, -1));
    }

  return items;
}

static gboolean
same_items (GPtrArray *a,
            GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;

  for (guint i = 0; i < a->len; i++)
    if (g_ptr_array_index (a, i) != g_ptr_array_index (b, i))
      return FALSE;

  return TRUE;
}

static void
ensure_offsets (KsGalleryItems *self)
{
  guint offset = 0;

  if (!self->offsets_dirty)
    return;

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      entry->offset = offset;
      offset += entry->items->len;
    }

  g_assert (offset == self->n_items);
  self->offsets_dirty = FALSE;
}

static void
on_record_images_changed (KsRecord   *record,
                          GParamSpec *pspec,
                          gpointer    user_data)
{
  Entry *entry = user_data;
  KsGalleryItems *self = entry->self;
  g_autoptr(GPtrArray) old_items = NULL;
  guint removed;
  guint same_start = 0, same_end = 0;

  /* Offsets as they were, before this entry changes size. */
  ensure_offsets (self);

  old_items = g_steal_pointer (&entry->items);
  removed = old_items->len;
  entry->items = entry_make_items (entry, old_items);
  if (same_items (old_items, entry->items))
    return;

  self->n_items = self->n_items - removed + entry->items->len;
  if (removed != entry->items->len)
    self->offsets_dirty = TRUE;

  /* Only what changed: an image arriving keeps the ones before it, and
   * the grid keeps their tiles instead of making them again. */
  while (same_start < removed && same_start < entry->items->len &&
         g_ptr_array_index (old_items, same_start) == g_ptr_array_index (entry->items, same_start))
    same_start++;
  while (same_end < removed - same_start && same_end < entry->items->len - same_start &&
         g_ptr_array_index (old_items, removed - 1 - same_end) ==
         g_ptr_array_index (entry->items, entry->items->len - 1 - same_end))
    same_end++;

  g_list_model_items_changed (G_LIST_MODEL (self), entry->offset + same_start,
                              removed - same_start - same_end,
                              entry->items->len - same_start - same_end);
}

static Entry *
entry_new (KsGalleryItems *self,
           KsRecord       *record)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->self = self;
  entry->record = g_object_ref (record);
  entry->items = entry_make_items (entry, NULL);
  entry->images_handler = g_signal_connect (record, "notify::images",
                                            G_CALLBACK (on_record_images_changed), entry);

  return entry;
}

static void
entry_free (Entry *entry)
{
  g_clear_signal_handler (&entry->images_handler, entry->record);
  g_clear_object (&entry->record);
  g_clear_pointer (&entry->items, g_ptr_array_unref);
  g_free (entry);
}

/* ---- following the records ---------------------------------------------- */

static void
on_records_changed (KsGalleryItems *self,
                    guint           position,
                    guint           removed,
                    guint           added,
                    GListModel     *records)
{
  guint item_position;
  guint removed_items = 0;
  guint added_items = 0;
  g_autoptr(GPtrArray) new_entries = NULL;

  ensure_offsets (self);

  if (position < self->entries->len)
    item_position = ((Entry *) g_ptr_array_index (self->entries, position))->offset;
  else
    item_position = self->n_items;

  for (guint i = 0; i < removed; i++)
    removed_items += ((Entry *) g_ptr_array_index (self->entries, position + i))->items->len;

  new_entries = g_ptr_array_sized_new (added);
  for (guint i = 0; i < added; i++)
    {
      g_autoptr(KsRecord) record = g_list_model_get_item (records, position + i);
      Entry *entry = entry_new (self, record);

      added_items += entry->items->len;
      g_ptr_array_add (new_entries, entry);
    }

  /* The free function runs on the removed entries. */
  g_ptr_array_remove_range (self->entries, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (self->entries, position + i, g_ptr_array_index (new_entries, i));

  self->n_items = self->n_items - removed_items + added_items;
  self->offsets_dirty = TRUE;

  if (removed_items > 0 || added_items > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), item_position, removed_items, added_items);
}

/* ---- GListModel --------------------------------------------------------- */

static GType
ks_gallery_items_get_item_type (GListModel *model)
{
  return KS_TYPE_GALLERY_ITEM;
}

static guint
ks_gallery_items_get_n_items (GListModel *model)
{
  return KS_GALLERY_ITEMS (model)->n_items;
}

static gpointer
ks_gallery_items_get_item (GListModel *model,
                           guint       position)
{
  KsGalleryItems *self = KS_GALLERY_ITEMS (model);
  guint low = 0;
  guint high;
  Entry *entry;

  if (position >= self->n_items)
    return NULL;

  ensure_offsets (self);

  /* The last entry whose first tile is at or before @position. */
  high = self->entries->len;
  while (high - low > 1)
    {
      guint middle = low + (high - low) / 2;

      if (((Entry *) g_ptr_array_index (self->entries, middle))->offset <= position)
        low = middle;
      else
        high = middle;
    }

  entry = g_ptr_array_index (self->entries, low);
  g_assert (position - entry->offset < entry->items->len);

  return g_object_ref (g_ptr_array_index (entry->items, position - entry->offset));
}

static void
ks_gallery_items_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = ks_gallery_items_get_item_type;
  iface->get_n_items = ks_gallery_items_get_n_items;
  iface->get_item = ks_gallery_items_get_item;
}

/* ---- GObject ------------------------------------------------------------ */

static void
ks_gallery_items_constructed (GObject *object)
{
  KsGalleryItems *self = KS_GALLERY_ITEMS (object);

  G_OBJECT_CLASS (ks_gallery_items_parent_class)->constructed (object);

  g_return_if_fail (KS_IS_LIBRARY (self->library));

  self->records = g_object_ref (ks_library_get_records (self->library));
  g_signal_connect_object (self->records, "items-changed",
                           G_CALLBACK (on_records_changed), self,
                           G_CONNECT_SWAPPED);

  /* Records already there come in silently: nobody watches yet. */
  for (guint i = 0, n = g_list_model_get_n_items (self->records); i < n; i++)
    {
      g_autoptr(KsRecord) record = g_list_model_get_item (self->records, i);
      Entry *entry = entry_new (self, record);

      self->n_items += entry->items->len;
      g_ptr_array_add (self->entries, entry);
    }
  self->offsets_dirty = TRUE;
}

static void
ks_gallery_items_dispose (GObject *object)
{
  KsGalleryItems *self = KS_GALLERY_ITEMS (object);

  if (self->records != NULL)
    g_signal_handlers_disconnect_by_data (self->records, self);
  g_ptr_array_set_size (self->entries, 0);
  self->n_items = 0;
  g_clear_object (&self->records);

  G_OBJECT_CLASS (ks_gallery_items_parent_class)->dispose (object);
}

static void
ks_gallery_items_finalize (GObject *object)
{
  KsGalleryItems *self = KS_GALLERY_ITEMS (object);

  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_object (&self->library);

  G_OBJECT_CLASS (ks_gallery_items_parent_class)->finalize (object);
}

static void
ks_gallery_items_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KsGalleryItems *self = KS_GALLERY_ITEMS (object);

  switch (prop_id)
    {
    case PROP_LIBRARY:
      g_value_set_object (value, self->library);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_gallery_items_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  KsGalleryItems *self = KS_GALLERY_ITEMS (object);

  switch (prop_id)
    {
    case PROP_LIBRARY:
      self->library = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_gallery_items_class_init (KsGalleryItemsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ks_gallery_items_constructed;
  object_class->dispose = ks_gallery_items_dispose;
  object_class->finalize = ks_gallery_items_finalize;
  object_class->get_property = ks_gallery_items_get_property;
  object_class->set_property = ks_gallery_items_set_property;

  properties[PROP_LIBRARY] =
    g_param_spec_object ("library", NULL, NULL,
                         KS_TYPE_LIBRARY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_gallery_items_init (KsGalleryItems *self)
{
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
}

KsGalleryItems *
ks_gallery_items_new (KsLibrary *library)
{
  g_return_val_if_fail (KS_IS_LIBRARY (library), NULL);

  return g_object_new (KS_TYPE_GALLERY_ITEMS, "library", library, NULL);
}

gboolean
ks_gallery_items_find_record (KsGalleryItems *self,
                              KsRecord       *record,
                              guint          *position)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEMS (self), FALSE);
  g_return_val_if_fail (KS_IS_RECORD (record), FALSE);

  ensure_offsets (self);

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->record == record)
        {
          if (position != NULL)
            *position = entry->offset;
          return TRUE;
        }
    }

  return FALSE;
}
