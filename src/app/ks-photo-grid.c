/* ks-photo-grid.c: a grid of photos with its loading and empty states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "ks-photo-grid.h"
#include "ks-photo-tile.h"

struct _KsPhotoGrid
{
  GtkWidget parent_instance;

  KsPhotoList      *list;  /* nullable */
  KsThumbnailCache *cache; /* nullable */

  GtkStack      *stack;
  GtkSpinner    *spinner;
  AdwStatusPage *empty_page;
  AdwStatusPage *error_page;
  GtkGridView   *grid_view;
};

G_DEFINE_FINAL_TYPE (KsPhotoGrid, ks_photo_grid, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_EMPTY_ICON_NAME,
  PROP_EMPTY_TITLE,
  PROP_EMPTY_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_page (KsPhotoGrid *self)
{
  const char *page;

  if (self->list == NULL)
    page = "loading";
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->list)) > 0)
    page = "grid";
  else if (ks_photo_list_get_error (self->list) != NULL)
    page = "error";
  else if (!ks_photo_list_get_loaded (self->list))
    page = "loading";
  else
    page = "empty";

  adw_status_page_set_description (self->error_page,
                                   self->list != NULL ? ks_photo_list_get_error (self->list) : NULL);
  gtk_spinner_set_spinning (self->spinner, g_str_equal (page, "loading"));
  gtk_stack_set_visible_child_name (self->stack, page);
}

static void
retry_clicked_cb (KsPhotoGrid *self)
{
  if (self->list != NULL)
    ks_photo_list_reload (self->list);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          KsPhotoGrid              *self)
{
  gtk_list_item_set_child (list_item, ks_photo_tile_new (self->cache));
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         KsPhotoGrid              *self)
{
  ks_photo_tile_set_item (KS_PHOTO_TILE (gtk_list_item_get_child (list_item)),
                          gtk_list_item_get_item (list_item));
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           KsPhotoGrid              *self)
{
  ks_photo_tile_set_item (KS_PHOTO_TILE (gtk_list_item_get_child (list_item)), NULL);
}

static void
ks_photo_grid_dispose (GObject *object)
{
  KsPhotoGrid *self = KS_PHOTO_GRID (object);

  ks_photo_grid_set_model (self, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_PHOTO_GRID);

  G_OBJECT_CLASS (ks_photo_grid_parent_class)->dispose (object);
}

static void
ks_photo_grid_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KsPhotoGrid *self = KS_PHOTO_GRID (object);

  switch (prop_id)
    {
    case PROP_EMPTY_ICON_NAME:
      g_value_set_string (value, adw_status_page_get_icon_name (self->empty_page));
      break;
    case PROP_EMPTY_TITLE:
      g_value_set_string (value, adw_status_page_get_title (self->empty_page));
      break;
    case PROP_EMPTY_DESCRIPTION:
      g_value_set_string (value, adw_status_page_get_description (self->empty_page));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_photo_grid_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  KsPhotoGrid *self = KS_PHOTO_GRID (object);
  const char  *text = g_value_get_string (value);
  g_auto (GValue) old = G_VALUE_INIT;

  /* Kept by the status page; notify only when it changes. */
  g_value_init (&old, G_TYPE_STRING);
  ks_photo_grid_get_property (object, prop_id, &old, pspec);
  if (g_strcmp0 (g_value_get_string (&old), text) == 0)
    return;

  switch (prop_id)
    {
    case PROP_EMPTY_ICON_NAME:
      adw_status_page_set_icon_name (self->empty_page, text);
      break;
    case PROP_EMPTY_TITLE:
      adw_status_page_set_title (self->empty_page, text);
      break;
    case PROP_EMPTY_DESCRIPTION:
      adw_status_page_set_description (self->empty_page, text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
}

static void
ks_photo_grid_class_init (KsPhotoGridClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_photo_grid_dispose;
  object_class->get_property = ks_photo_grid_get_property;
  object_class->set_property = ks_photo_grid_set_property;

  /* The empty state's status page. */
  properties[PROP_EMPTY_ICON_NAME] =
      g_param_spec_string ("empty-icon-name", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_EMPTY_TITLE] =
      g_param_spec_string ("empty-title", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_EMPTY_DESCRIPTION] =
      g_param_spec_string ("empty-description", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/keepsake/Keepsake/ui/ks-photo-grid.ui");
  gtk_widget_class_bind_template_child (widget_class, KsPhotoGrid, stack);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoGrid, spinner);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoGrid, empty_page);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoGrid, error_page);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoGrid, grid_view);
  gtk_widget_class_bind_template_callback (widget_class, retry_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ks_photo_grid_init (KsPhotoGrid *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  gtk_grid_view_set_factory (self->grid_view, factory);
  update_page (self);
}

void
ks_photo_grid_set_model (KsPhotoGrid      *self,
                         KsPhotoList      *list,
                         KsThumbnailCache *cache)
{
  g_autoptr (GtkSelectionModel) selection = NULL;

  g_return_if_fail (KS_IS_PHOTO_GRID (self));

  if (self->list != NULL)
    g_signal_handlers_disconnect_by_func (self->list, update_page, self);
  gtk_grid_view_set_model (self->grid_view, NULL);
  g_set_object (&self->list, list);
  g_set_object (&self->cache, cache);

  if (list != NULL)
    {
      selection = GTK_SELECTION_MODEL (gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (list))));
      gtk_grid_view_set_model (self->grid_view, selection);
      g_signal_connect_swapped (list, "items-changed", G_CALLBACK (update_page), self);
      g_signal_connect_swapped (list, "notify::loaded", G_CALLBACK (update_page), self);
      g_signal_connect_swapped (list, "notify::error", G_CALLBACK (update_page), self);
    }
  update_page (self);
}

KsPhotoList *
ks_photo_grid_get_model (KsPhotoGrid *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_GRID (self), NULL);

  return self->list;
}
