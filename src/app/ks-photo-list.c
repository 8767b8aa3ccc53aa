/* ks-photo-list.c: the photos of the library or of one album, paged in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ks-photo-list.h"

#define PAGE_SIZE 200
/* Fetch the next page when the view asks for an item this close to the
 * end: about two screens of thumbnails. */
#define PREFETCH_MARGIN 120

struct _KsPhotoList
{
  GObject parent_instance;

  KsApiClient  *api;
  char         *album_id; /* nullable: the library */
  GPtrArray    *items;    /* KsPhotoItem */
  GHashTable   *ids;      /* photo id -> KsPhotoItem (unowned) */
  char         *cursor;   /* nullable: no more pages after the first */
  GCancellable *cancellable;
  char         *error; /* nullable */
  gboolean      loading;
  gboolean      loaded;
  guint         load_more_id;

  /* Fed lists only (ks_photo_list_new_fed) */
  GObject              *feeder;
  KsPhotoListReloadFunc reload;
};

static void ks_photo_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsPhotoList, ks_photo_list, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, ks_photo_list_model_init))

enum
{
  PROP_0,
  PROP_LOADING,
  PROP_LOADED,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void load_page (KsPhotoList *self);

static GType
ks_photo_list_get_item_type (GListModel *model)
{
  return KS_TYPE_PHOTO_ITEM;
}

static guint
ks_photo_list_get_n_items (GListModel *model)
{
  return KS_PHOTO_LIST (model)->items->len;
}

static gboolean
load_more_cb (gpointer user_data)
{
  KsPhotoList *self = user_data;

  self->load_more_id = 0;
  if (!self->loading && self->cursor != NULL)
    load_page (self);
  return G_SOURCE_REMOVE;
}

static gpointer
ks_photo_list_get_item (GListModel *model,
                        guint       position)
{
  KsPhotoList *self = KS_PHOTO_LIST (model);

  if (position >= self->items->len)
    return NULL;

  /* Not from here directly: items-changed must not be emitted while the
   * view is asking for items. From an idle ahead of the frame clock
   * (GDK_PRIORITY_REDRAW): while frames took longer than the refresh
   * interval, a default idle waited for a gap between them, and
   * scrolling stood at the end of what was listed. */
  if (position + PREFETCH_MARGIN >= self->items->len && self->cursor != NULL &&
      !self->loading && self->error == NULL && self->load_more_id == 0)
    self->load_more_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, load_more_cb, self, NULL);

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
ks_photo_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = ks_photo_list_get_item_type;
  iface->get_n_items = ks_photo_list_get_n_items;
  iface->get_item = ks_photo_list_get_item;
}

static void
item_state_cb (KsPhotoItem *item,
               GParamSpec  *pspec,
               KsPhotoList *self);

static void
ks_photo_list_dispose (GObject *object)
{
  KsPhotoList *self = KS_PHOTO_LIST (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->load_more_id, g_source_remove);
  if (self->items != NULL)
    for (guint i = 0; i < self->items->len; i++)
      g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->items, i), item_state_cb, self);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->ids, g_hash_table_unref);
  g_clear_object (&self->api);
  g_clear_object (&self->feeder);

  G_OBJECT_CLASS (ks_photo_list_parent_class)->dispose (object);
}

static void
ks_photo_list_finalize (GObject *object)
{
  KsPhotoList *self = KS_PHOTO_LIST (object);

  g_free (self->album_id);
  g_free (self->cursor);
  g_free (self->error);

  G_OBJECT_CLASS (ks_photo_list_parent_class)->finalize (object);
}

static void
ks_photo_list_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KsPhotoList *self = KS_PHOTO_LIST (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_photo_list_class_init (KsPhotoListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_photo_list_dispose;
  object_class->finalize = ks_photo_list_finalize;
  object_class->get_property = ks_photo_list_get_property;

  properties[PROP_LOADING] =
      g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LOADED] =
      g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ERROR] =
      g_param_spec_string ("error", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_photo_list_init (KsPhotoList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->ids = g_hash_table_new (g_str_hash, g_str_equal);
}

KsPhotoList *
ks_photo_list_new (KsApiClient *api,
                   const char  *album_id)
{
  KsPhotoList *self = g_object_new (KS_TYPE_PHOTO_LIST, NULL);

  self->api = g_object_ref (api);
  self->album_id = g_strdup (album_id);
  return self;
}

KsPhotoList *
ks_photo_list_new_fed (const char           *album_id,
                       GObject              *feeder,
                       KsPhotoListReloadFunc reload)
{
  KsPhotoList *self = g_object_new (KS_TYPE_PHOTO_LIST, NULL);

  g_return_val_if_fail (G_IS_OBJECT (feeder) && reload != NULL, self);

  self->album_id = g_strdup (album_id);
  self->feeder = g_object_ref (feeder);
  self->reload = reload;
  return self;
}

GObject *
ks_photo_list_get_feeder (KsPhotoList *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_LIST (self), NULL);

  return self->feeder;
}

const char *
ks_photo_list_get_album_id (KsPhotoList *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_LIST (self), NULL);

  return self->album_id;
}

gboolean
ks_photo_list_get_loading (KsPhotoList *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_LIST (self), FALSE);

  return self->loading;
}

gboolean
ks_photo_list_get_loaded (KsPhotoList *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_LIST (self), FALSE);

  return self->loaded;
}

gboolean
ks_photo_list_get_complete (KsPhotoList *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_LIST (self), FALSE);

  return self->loaded && !self->loading && self->cursor == NULL;
}

const char *
ks_photo_list_get_error (KsPhotoList *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_LIST (self), NULL);

  return self->error;
}

static void
set_loading (KsPhotoList *self,
             gboolean     loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
set_error (KsPhotoList *self,
           const char  *error)
{
  if (g_strcmp0 (self->error, error) == 0)
    return;
  g_free (self->error);
  self->error = g_strdup (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
page_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (KsPhotoList) self = user_data;
  g_autoptr (KsPhotoPage) page = NULL;
  g_autoptr (GError) error = NULL;
  guint position;
  guint added = 0;

  if (self->album_id != NULL)
    page = ks_api_client_list_album_photos_finish (KS_API_CLIENT (source), result, &error);
  else
    page = ks_api_client_list_photos_finish (KS_API_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_loading (self, FALSE);
  if (page == NULL)
    {
      g_debug ("Listing photos: %s", error->message);
      set_error (self, error->message);
      return;
    }

  set_error (self, NULL);
  g_free (self->cursor);
  self->cursor = g_steal_pointer (&page->cursor);

  position = self->items->len;
  for (guint i = 0; i < page->photos->len; i++)
    {
      KsPhoto     *photo = g_ptr_array_index (page->photos, i);
      KsPhotoItem *item;

      /* An upload of this session may have brought it in already. */
      if (g_hash_table_contains (self->ids, photo->id))
        continue;
      g_ptr_array_index (page->photos, i) = NULL;
      /* The library's photos are the user's own: without their original
       * and preview URLs (expiring in an hour, a kilobyte a photo: a
       * third of what a listed photo takes), ks_photo_fetch_async() asks
       * for fresh ones. An album's may be someone else's, which only the
       * album's listing gives URLs for. */
      if (self->album_id == NULL)
        {
          g_clear_pointer (&photo->url_original, g_free);
          g_clear_pointer (&photo->url_preview, g_free);
        }
      item = ks_photo_item_new (photo);
      ks_photo_item_set_album_id (item, self->album_id);
      g_ptr_array_add (self->items, item);
      g_hash_table_insert (self->ids, photo->id, item);
      added++;
    }
  if (added > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), position, 0, added);

  if (!self->loaded)
    {
      self->loaded = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
    }
}

static void
load_page (KsPhotoList *self)
{
  set_loading (self, TRUE);
  if (self->album_id != NULL)
    ks_api_client_list_album_photos_async (self->api, self->album_id, self->cursor, PAGE_SIZE,
                                           self->cancellable, page_cb, g_object_ref (self));
  else
    ks_api_client_list_photos_async (self->api, self->cursor, PAGE_SIZE, FALSE,
                                     self->cancellable, page_cb, g_object_ref (self));
}

void
ks_photo_list_reload (KsPhotoList *self)
{
  g_autoptr (GPtrArray) pending = g_ptr_array_new_with_free_func (g_object_unref);
  guint removed;

  g_return_if_fail (KS_IS_PHOTO_LIST (self));

  /* The feeder replaces what changed: nothing blinks out meanwhile. */
  if (self->feeder != NULL)
    {
      self->reload (self->feeder, self);
      return;
    }

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_handle_id (&self->load_more_id, g_source_remove);
  g_clear_pointer (&self->cursor, g_free);

  /* Keep uploads in progress; everything else comes back from the
   * server. */
  removed = self->items->len;
  for (guint i = 0; i < self->items->len; i++)
    {
      KsPhotoItem *item = g_ptr_array_index (self->items, i);

      if (ks_photo_item_get_state (item) != KS_PHOTO_ITEM_READY)
        g_ptr_array_add (pending, g_object_ref (item));
      else
        g_signal_handlers_disconnect_by_func (item, item_state_cb, self);
    }
  g_ptr_array_set_size (self->items, 0);
  g_hash_table_remove_all (self->ids);
  for (guint i = 0; i < pending->len; i++)
    g_ptr_array_add (self->items, g_object_ref (g_ptr_array_index (pending, i)));
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->items->len);

  set_error (self, NULL);
  load_page (self);
}

static void
item_state_cb (KsPhotoItem *item,
               GParamSpec  *pspec,
               KsPhotoList *self)
{
  const char  *id = ks_photo_item_get_id (item);
  KsPhotoItem *existing;

  if (ks_photo_item_get_state (item) != KS_PHOTO_ITEM_READY || id == NULL)
    return;

  g_signal_handlers_disconnect_by_func (item, item_state_cb, self);
  existing = g_hash_table_lookup (self->ids, id);
  if (existing != NULL && existing != item)
    /* The server had it already (same content): show it once. */
    ks_photo_list_remove (self, item);
  else
    g_hash_table_insert (self->ids, (gpointer) id, item);
}

void
ks_photo_list_prepend (KsPhotoList *self,
                       KsPhotoItem *item)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new ();

  g_ptr_array_add (items, item);
  ks_photo_list_prepend_items (self, items);
}

void
ks_photo_list_prepend_items (KsPhotoList *self,
                             GPtrArray   *items)
{
  guint n, old_len;

  g_return_if_fail (KS_IS_PHOTO_LIST (self));
  g_return_if_fail (items != NULL);

  n = items->len;
  for (guint i = 0; i < n; i++)
    g_return_if_fail (KS_IS_PHOTO_ITEM (g_ptr_array_index (items, i)));
  if (n == 0)
    return;
  /* One move of what was listed, not one per item. */
  old_len = self->items->len;
  g_ptr_array_set_size (self->items, old_len + n);
  memmove (self->items->pdata + n, self->items->pdata, old_len * sizeof (gpointer));
  for (guint i = 0; i < n; i++)
    self->items->pdata[i] = g_object_ref (g_ptr_array_index (items, n - 1 - i));
  g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, n);

  for (guint i = 0; i < n; i++)
    {
      KsPhotoItem *item = g_ptr_array_index (self->items, i);

      if (ks_photo_item_get_state (item) != KS_PHOTO_ITEM_READY)
        g_signal_connect (item, "notify::state", G_CALLBACK (item_state_cb), self);
      else
        item_state_cb (item, NULL, self);
    }
}

void
ks_photo_list_remove (KsPhotoList *self,
                      KsPhotoItem *item)
{
  guint position;

  g_return_if_fail (KS_IS_PHOTO_LIST (self));

  if (!g_ptr_array_find (self->items, item, &position))
    return;
  g_signal_handlers_disconnect_by_func (item, item_state_cb, self);
  if (ks_photo_item_get_id (item) != NULL &&
      g_hash_table_lookup (self->ids, ks_photo_item_get_id (item)) == item)
    g_hash_table_remove (self->ids, ks_photo_item_get_id (item));
  g_ptr_array_remove_index (self->items, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

void
ks_photo_list_set_items (KsPhotoList *self,
                         GPtrArray   *items,
                         const char  *error)
{
  g_autoptr (GPtrArray) old = NULL;
  GPtrArray *next = g_ptr_array_new_with_free_func (g_object_unref);
  guint      start = 0, end = 0;

  g_return_if_fail (KS_IS_PHOTO_LIST (self));
  g_return_if_fail (self->feeder != NULL);

  for (guint i = 0; i < self->items->len; i++)
    if (ks_photo_item_get_state (g_ptr_array_index (self->items, i)) != KS_PHOTO_ITEM_READY)
      g_ptr_array_add (next, g_object_ref (g_ptr_array_index (self->items, i)));
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      KsPhotoItem *item = g_ptr_array_index (items, i);
      KsPhotoItem *listed = g_hash_table_lookup (self->ids, ks_photo_item_get_id (item));

      /* The same object keeps its tile, its texture and the selection. */
      if (listed != NULL && ks_photo_item_get_state (listed) == KS_PHOTO_ITEM_READY)
        item = listed;
      g_ptr_array_add (next, g_object_ref (item));
    }

  old = g_steal_pointer (&self->items);
  self->items = next;
  g_hash_table_remove_all (self->ids);
  for (guint i = 0; i < next->len; i++)
    {
      const char *id = ks_photo_item_get_id (g_ptr_array_index (next, i));

      if (id != NULL && ks_photo_item_get_state (g_ptr_array_index (next, i)) == KS_PHOTO_ITEM_READY)
        g_hash_table_insert (self->ids, (gpointer) id, g_ptr_array_index (next, i));
    }

  /* Only the changed middle: the view keeps its scroll position. */
  while (start < old->len && start < next->len && old->pdata[start] == next->pdata[start])
    start++;
  while (end < old->len - start && end < next->len - start &&
         old->pdata[old->len - 1 - end] == next->pdata[next->len - 1 - end])
    end++;
  if (old->len != next->len || start < old->len)
    g_list_model_items_changed (G_LIST_MODEL (self), start, old->len - start - end,
                                next->len - start - end);

  set_error (self, error);
  if (!self->loaded)
    {
      self->loaded = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
    }
}
