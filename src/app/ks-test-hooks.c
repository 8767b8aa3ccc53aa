/* ks-test-hooks.c: what the UI tests use to see and drive the app
 *
 * Development only (KEEPSAKE_TEST_HOOKS): nothing here is a second way
 * to do what the app does; it reads widgets and acts on them the way a
 * user (or an accessibility client) would.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "ks-cached-offline-bar.h"
#include "ks-cached-photo-list.h"
#include "ks-photo-tile.h"
#include "ks-setup-view-private.h"
#include "ks-test-hooks-perf.h"
#include "ks-test-hooks.h"
#include "ks-window-private.h"

/* --- Finding widgets: "id", "type:GtkName", or "outer>inner" */

static gboolean
widget_matches (GtkWidget  *widget,
                const char *selector)
{
  const char *id;

  if (g_str_has_prefix (selector, "type:"))
    return g_str_equal (G_OBJECT_TYPE_NAME (widget), selector + strlen ("type:"));
  /* "name:known-erin": a widget made in code, by its widget name */
  if (g_str_has_prefix (selector, "name:"))
    return g_str_equal (gtk_widget_get_name (widget), selector + strlen ("name:"));
  /* "label:_Create an Account": a button without an id, by its label */
  if (g_str_has_prefix (selector, "label:"))
    return GTK_IS_BUTTON (widget) &&
           g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), selector + strlen ("label:")) == 0;
  id = gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget));
  return id != NULL && g_str_equal (id, selector);
}

static GtkWidget *
find_in (GtkWidget  *root,
         const char *selector)
{
  if (gtk_widget_get_mapped (root) && widget_matches (root, selector))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_in (child, selector);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Mapped widgets only, newest window first (dialogs before the window). */
static GtkWidget *
find_widget (const char *selector)
{
  g_auto (GStrv) parts = g_strsplit (selector, ">", -1);
  g_autoptr (GList) toplevels = gtk_window_list_toplevels ();
  GtkWidget *found = NULL;

  for (GList *l = g_list_last (toplevels); l != NULL && found == NULL; l = l->prev)
    {
      GtkWidget *widget = l->data;

      for (guint i = 0; parts[i] != NULL && widget != NULL; i++)
        widget = find_in (widget, parts[i]);
      found = widget;
    }
  return found;
}

/* --- State */

/* The texts of mapped labels; and the labels of mapped buttons that
 * cannot be pressed (their action disabled, or made insensitive). */
static void
collect_labels (GtkWidget *widget,
                GPtrArray *labels,
                GPtrArray *insensitive)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_LABEL (widget) && *gtk_label_get_text (GTK_LABEL (widget)) != '\0')
    g_ptr_array_add (labels, (gpointer) gtk_label_get_text (GTK_LABEL (widget)));
  if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) != NULL &&
      !gtk_widget_is_sensitive (widget))
    g_ptr_array_add (insensitive, (gpointer) gtk_button_get_label (GTK_BUTTON (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, labels, insensitive);
}

/* Spinners spinning where nobody sees them: each keeps the frame clock,
 * and the CPU, busy (ks-spinner.h). */
static guint
count_hidden_spinners (GtkWidget *widget)
{
  guint n = GTK_IS_SPINNER (widget) && gtk_spinner_get_spinning (GTK_SPINNER (widget)) &&
            !gtk_widget_get_mapped (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_hidden_spinners (child);
  return n;
}

static void
add_string (GVariantBuilder *builder,
            const char      *key,
            const char      *value)
{
  g_variant_builder_add (builder, "{sv}", key, g_variant_new_string (value != NULL ? value : ""));
}

/* Folder sync: the Folders page's rows ("path|album|done|waiting|failed"),
 * its failed files ("path|error"), the engine and the sync indicator. */
static void
add_folders_state (GVariantBuilder *builder,
                   KsWindow        *window)
{
  g_auto (GStrv) folders = ks_folders_view_dup_summary (window->folders_view);
  g_auto (GStrv) failures = ks_folders_view_dup_failures (window->folders_view);
  gboolean allow_metered = FALSE;
  guint64  bandwidth = 0;

  g_variant_builder_add (builder, "{sv}", "folders", g_variant_new_strv ((const char *const *) folders, -1));
  g_variant_builder_add (builder, "{sv}", "folder-failures",
                         g_variant_new_strv ((const char *const *) failures, -1));
  add_string (builder, "sync-status", ks_sync_indicator_get_title (window->sync_indicator));
  if (window->engine != NULL)
    {
      add_string (builder, "engine-state", ks_sync_state_to_string (ks_sync_engine_get_state (window->engine)));
      g_variant_builder_add (builder, "{sv}", "engine-paused",
                             g_variant_new_boolean (ks_sync_engine_get_paused (window->engine)));
      g_object_get (window->engine, "allow-metered", &allow_metered, "bandwidth-limit", &bandwidth, NULL);
      g_variant_builder_add (builder, "{sv}", "engine-allow-metered", g_variant_new_boolean (allow_metered));
      g_variant_builder_add (builder, "{sv}", "engine-bandwidth", g_variant_new_uint64 (bandwidth));
    }
}

/* The view stack's page that has the keyboard focus, or NULL. */
static const char *
focus_page (KsWindow *window)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  GtkWidget *page = adw_view_stack_get_visible_child (window->view_stack);

  if (focus == NULL || page == NULL || !gtk_widget_is_ancestor (focus, page))
    return NULL;
  return adw_view_stack_get_visible_child_name (window->view_stack);
}

static void
add_window_state (GVariantBuilder *builder,
                  KsWindow        *window)
{
  GListModel *library = G_LIST_MODEL (window->library);
  GListModel *album = G_LIST_MODEL (window->album_photos);

  add_string (builder, "stack", gtk_stack_get_visible_child_name (window->main_stack));
  add_string (builder, "setup-page", gtk_stack_get_visible_child_name (window->setup_view->stack));
  add_string (builder, "page", adw_view_stack_get_visible_child_name (window->view_stack));
  add_string (builder, "focus-page", focus_page (window));
  g_variant_builder_add (builder, "{sv}", "focus-mapped",
                         g_variant_new_boolean (gtk_root_get_focus (GTK_ROOT (window)) != NULL &&
                                                gtk_widget_get_mapped (gtk_root_get_focus (GTK_ROOT (window)))));
  add_string (builder, "title", adw_window_title_get_title (window->content_title));
  add_string (builder, "subtitle", adw_window_title_get_subtitle (window->content_title));
  g_variant_builder_add (builder, "{sv}", "library-count",
                         g_variant_new_uint32 (library != NULL ? g_list_model_get_n_items (library) : 0));
  g_variant_builder_add (builder, "{sv}", "library-loaded",
                         g_variant_new_boolean (window->library != NULL &&
                                                ks_photo_list_get_loaded (window->library)));
  g_variant_builder_add (builder, "{sv}", "album-count",
                         g_variant_new_uint32 (album != NULL ? g_list_model_get_n_items (album) : 0));
  if (window->queue != NULL)
    {
      g_variant_builder_add (builder, "{sv}", "uploads-busy",
                             g_variant_new_boolean (ks_upload_queue_get_busy (window->queue)));
      g_variant_builder_add (builder, "{sv}", "uploads-recording",
                             g_variant_new_boolean (ks_upload_queue_get_recording (window->queue)));
      g_variant_builder_add (builder, "{sv}", "uploads-total",
                             g_variant_new_uint32 (ks_upload_queue_get_n_total (window->queue)));
      g_variant_builder_add (builder, "{sv}", "uploads-done",
                             g_variant_new_uint32 (ks_upload_queue_get_n_done (window->queue)));
      g_variant_builder_add (builder, "{sv}", "uploads-failed",
                             g_variant_new_uint32 (ks_upload_queue_get_n_failed (window->queue)));
      g_variant_builder_add (builder, "{sv}", "uploads-paused",
                             g_variant_new_boolean (ks_upload_queue_get_paused (window->queue)));
      g_variant_builder_add (builder, "{sv}", "uploads-offline",
                             g_variant_new_boolean (ks_upload_queue_get_offline (window->queue)));
    }
  add_folders_state (builder, window);
}

/* What goes on with no window too. */
static void
add_app_state (GVariantBuilder *builder,
               KsApplication   *app)
{
  KsAccount       *account = ks_application_get_account (app);
  KsCache         *cache = ks_sync_service_get_cache (ks_application_get_sync_service (app));
  g_autofree char *cursor = cache != NULL ? ks_cache_dup_cursor (cache) : NULL;

  add_string (builder, "user", ks_account_get_username (account));
  add_string (builder, "server-url", ks_account_get_server_url (account));
  g_variant_builder_add (builder, "{sv}", "signed-in", g_variant_new_boolean (ks_account_get_signed_in (account)));
  g_variant_builder_add (builder, "{sv}", "held", g_variant_new_boolean (ks_application_get_held (app)));
  add_string (builder, "feed-cursor", cursor);
}

/* --- Dragging photos out: what a drop target in Files reads */

static GStrv drag_export_paths; /* nullable: until a drag-export ends */
static char *drag_export_error; /* nullable */

static void
add_drag_export_state (GVariantBuilder *builder)
{
  if (drag_export_paths != NULL)
    g_variant_builder_add (builder, "{sv}", "drag-export",
                           g_variant_new_strv ((const char *const *) drag_export_paths, -1));
  if (drag_export_error != NULL)
    add_string (builder, "drag-export-error", drag_export_error);
}

static void
drag_export_written_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr (GOutputStream) stream = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GStrvBuilder) paths = g_strv_builder_new ();
  g_auto (GStrv) uris = NULL;

  /* NUL-terminated for g_uri_list_extract_uris. */
  if (!gdk_content_provider_write_mime_type_finish (GDK_CONTENT_PROVIDER (source), result, &error) ||
      !g_output_stream_write_all (stream, "", 1, NULL, NULL, &error) ||
      !g_output_stream_close (stream, NULL, &error))
    {
      drag_export_error = g_strdup (error->message);
      return;
    }
  uris = g_uri_list_extract_uris (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (stream)));
  for (guint i = 0; uris[i] != NULL; i++)
    {
      g_autofree char *path = g_filename_from_uri (uris[i], NULL, NULL);

      g_strv_builder_add (paths, path != NULL ? path : uris[i]);
    }
  drag_export_paths = g_strv_builder_end (paths);
}

/* Exactly what a drag from the photo at @position gives Files. */
static gboolean
drag_export (KsPhotoGrid *grid,
             const char  *position)
{
  g_autoptr (GdkContentProvider) content = NULL;
  GOutputStream *stream;

  g_clear_pointer (&drag_export_paths, g_strfreev);
  g_clear_pointer (&drag_export_error, g_free);
  content = ks_photo_grid_create_drag_content (grid, (guint) g_ascii_strtoull (position, NULL, 10));
  if (content == NULL)
    {
      drag_export_error = g_strdup ("Nothing to drag there");
      return FALSE;
    }
  stream = g_memory_output_stream_new_resizable ();
  gdk_content_provider_write_mime_type_async (content, "text/uri-list", stream, G_PRIORITY_DEFAULT, NULL,
                                              drag_export_written_cb, stream);
  return TRUE;
}

/* --- Shared albums from the cache, offline */

/* What dropping files (@uris, space-separated) on @widget does: the
 * "drop" of its own file drop target, if one is listening. */
/* Files dropped on @widget: its drop target takes them, or the nearest
 * ancestor's, as when GTK delivers a drop. */
static gboolean
drop_uris (GtkWidget  *widget,
           const char *uris)
{
  g_auto (GStrv) list = g_strsplit (uris, " ", -1);
  g_auto (GValue) value = G_VALUE_INIT;
  GSList  *files = NULL;
  gboolean done = FALSE;

  for (guint i = 0; list[i] != NULL; i++)
    files = g_slist_append (files, g_file_new_for_uri (list[i]));
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, files);
  for (; widget != NULL && !done; widget = gtk_widget_get_parent (widget))
    {
      g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

      for (guint i = 0; i < g_list_model_get_n_items (controllers) && !done; i++)
        {
          g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

          if (GTK_IS_DROP_TARGET (controller) &&
              gtk_event_controller_get_propagation_phase (controller) != GTK_PHASE_NONE)
            g_signal_emit_by_name (controller, "drop", &value, 0.0, 0.0, &done);
        }
    }
  return done;
}

/* Mapped tiles, those showing a thumbnail; revealed offline bars. */
static void
count_cached_widgets (GtkWidget *widget,
                      guint     *n_tiles,
                      guint     *n_thumbnails,
                      guint     *n_bars)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (KS_IS_PHOTO_TILE (widget))
    {
      (*n_tiles)++;
      if (ks_photo_tile_has_texture (KS_PHOTO_TILE (widget)))
        (*n_thumbnails)++;
    }
  if (KS_IS_CACHED_OFFLINE_BAR (widget) && ks_cached_offline_bar_get_revealed (KS_CACHED_OFFLINE_BAR (widget)))
    (*n_bars)++;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    count_cached_widgets (child, n_tiles, n_thumbnails, n_bars);
}

static void
add_offline_state (GVariantBuilder *builder,
                   KsWindow        *window,
                   KsCache         *cache)
{
  KsCachedPhotoList *feeder = window->album_photos != NULL ? ks_cached_photo_list_from_list (window->album_photos) : NULL;
  g_autoptr (GPtrArray) photos = NULL;
  guint    n_tiles = 0, n_thumbnails = 0, n_bars = 0, n_files = 0, n_originals = 0;
  int      preview_width = 0;
  GAction *offline_action = g_action_map_lookup_action (G_ACTION_MAP (window), "album-offline");
  g_autoptr (GVariant) offline_state = g_action_get_state (offline_action);

  count_cached_widgets (GTK_WIDGET (window), &n_tiles, &n_thumbnails, &n_bars);
  if (cache != NULL && window->album != NULL)
    photos = ks_cache_list_photos (cache, window->album->id, NULL);
  for (guint i = 0; photos != NULL && i < photos->len; i++)
    {
      KsCachedPhoto *photo = g_ptr_array_index (photos, i);

      n_files += photo->has_grid && photo->has_preview;
      n_originals += photo->has_original;
    }
  ks_viewer_get_preview_size (window->viewer, &preview_width, NULL);

  g_variant_builder_add (builder, "{sv}", "offline",
                         g_variant_new_boolean (cache != NULL && ks_cache_get_offline (cache)));
  g_variant_builder_add (builder, "{sv}", "offline-bars", g_variant_new_uint32 (n_bars));
  g_variant_builder_add (builder, "{sv}", "shared-count",
                         g_variant_new_uint32 (ks_albums_view_get_n_albums (window->shared_view)));
  g_variant_builder_add (builder, "{sv}", "shared-from-cache",
                         g_variant_new_boolean (ks_albums_view_get_from_cache (window->shared_view)));
  g_variant_builder_add (builder, "{sv}", "album-from-cache", g_variant_new_boolean (feeder != NULL));
  g_variant_builder_add (builder, "{sv}", "mapped-tiles", g_variant_new_uint32 (n_tiles));
  g_variant_builder_add (builder, "{sv}", "album-thumbnails", g_variant_new_uint32 (n_thumbnails));
  g_variant_builder_add (builder, "{sv}", "album-cached-files", g_variant_new_uint32 (n_files));
  g_variant_builder_add (builder, "{sv}", "album-cached-originals", g_variant_new_uint32 (n_originals));
  /* "Available Offline": whether the menu offers it, and its check. */
  g_variant_builder_add (builder, "{sv}", "album-offline-enabled",
                         g_variant_new_boolean (g_action_get_enabled (offline_action)));
  g_variant_builder_add (builder, "{sv}", "album-offline", offline_state);
  g_variant_builder_add (builder, "{sv}", "viewer-preview-width", g_variant_new_uint32 ((guint) preview_width));
}

static GVariant *
build_state (KsApplication *app)
{
  g_autoptr (GPtrArray) labels = g_ptr_array_new ();
  g_autoptr (GPtrArray) insensitive = g_ptr_array_new ();
  g_autoptr (GPtrArray) windows = g_ptr_array_new ();
  g_autoptr (GPtrArray) titles = g_ptr_array_new ();
  g_autoptr (GList) toplevels = gtk_window_list_toplevels ();
  GtkWindow      *active = gtk_application_get_active_window (GTK_APPLICATION (app));
  GVariantBuilder builder;
  guint           hidden_spinners = 0;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (GList *l = toplevels; l != NULL; l = l->next)
    {
      hidden_spinners += count_hidden_spinners (l->data);
      if (gtk_widget_get_mapped (l->data))
        {
          g_ptr_array_add (windows, (gpointer) G_OBJECT_TYPE_NAME (l->data));
          if (gtk_window_get_title (l->data) != NULL)
            g_ptr_array_add (titles, (gpointer) gtk_window_get_title (l->data));
          collect_labels (l->data, labels, insensitive);
        }
    }
  g_variant_builder_add (&builder, "{sv}", "hidden-spinners", g_variant_new_uint32 (hidden_spinners));
  g_variant_builder_add (&builder, "{sv}", "windows",
                         g_variant_new_strv ((const char *const *) windows->pdata, windows->len));
  g_variant_builder_add (&builder, "{sv}", "window-titles",
                         g_variant_new_strv ((const char *const *) titles->pdata, titles->len));
  g_variant_builder_add (&builder, "{sv}", "insensitive-buttons",
                         g_variant_new_strv ((const char *const *) insensitive->pdata, insensitive->len));
  g_variant_builder_add (&builder, "{sv}", "labels",
                         g_variant_new_strv ((const char *const *) labels->pdata, labels->len));
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (KS_IS_WINDOW (l->data))
      {
        add_window_state (&builder, l->data);
        add_offline_state (&builder, l->data, ks_sync_service_get_cache (ks_application_get_sync_service (app)));
        break;
      }
  add_string (&builder, "active-window", active != NULL ? G_OBJECT_TYPE_NAME (active) : "");
  add_app_state (&builder, app);
  add_drag_export_state (&builder);
  ks_test_hooks_perf_add_state (&builder, app);
  return g_variant_builder_end (&builder);
}

static void
state_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  g_simple_action_set_state (action, build_state (user_data));
}

/* --- Acting on widgets */

static gboolean
act (GtkWidget  *widget,
     const char *verb,
     const char *argument)
{
  if (g_str_equal (verb, "set-text") && GTK_IS_EDITABLE (widget))
    gtk_editable_set_text (GTK_EDITABLE (widget), argument);
  else if (g_str_equal (verb, "activate"))
    return gtk_widget_activate (widget);
  else if (g_str_equal (verb, "emit"))
    g_signal_emit_by_name (widget, argument);
  else if (g_str_equal (verb, "resize") && GTK_IS_WINDOW (widget))
    {
      int width = 0, height = 0;

      if (sscanf (argument, "%dx%d", &width, &height) != 2)
        return FALSE;
      gtk_window_set_default_size (GTK_WINDOW (widget), width, height);
    }
  else if (g_str_equal (verb, "scroll-to") && GTK_IS_SCROLLABLE (widget))
    gtk_adjustment_set_value (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (widget)),
                              g_ascii_strtod (argument, NULL));
  else if (g_str_equal (verb, "show-page") && ADW_IS_PREFERENCES_WINDOW (widget))
    adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (widget), argument);
  else if (g_str_equal (verb, "action"))
    {
      g_autofree char *name = NULL;
      g_autoptr (GVariant) target = NULL;

      if (!g_action_parse_detailed_name (argument, &name, &target, NULL))
        return FALSE;
      return gtk_widget_activate_action_variant (widget, name, target);
    }
  else if (g_str_equal (verb, "select") && ADW_IS_COMBO_ROW (widget))
    adw_combo_row_set_selected (ADW_COMBO_ROW (widget), (guint) g_ascii_strtoull (argument, NULL, 10));
  else if (g_str_equal (verb, "select") && GTK_IS_DROP_DOWN (widget))
    gtk_drop_down_set_selected (GTK_DROP_DOWN (widget), (guint) g_ascii_strtoull (argument, NULL, 10));
  else if (g_str_equal (verb, "popup") && GTK_IS_MENU_BUTTON (widget))
    gtk_menu_button_popup (GTK_MENU_BUTTON (widget));
  else if (g_str_equal (verb, "popdown") && GTK_IS_MENU_BUTTON (widget))
    gtk_menu_button_popdown (GTK_MENU_BUTTON (widget));
  else if (g_str_equal (verb, "response") && ADW_IS_MESSAGE_DIALOG (widget))
    {
      /* What its buttons do. */
      adw_message_dialog_response (ADW_MESSAGE_DIALOG (widget), argument);
      gtk_window_close (GTK_WINDOW (widget));
    }
  else if (g_str_equal (verb, "close") && GTK_IS_WINDOW (widget))
    gtk_window_close (GTK_WINDOW (widget));
  else if (g_str_equal (verb, "drop-uris"))
    return drop_uris (widget, argument);
  else if (g_str_equal (verb, "drag-export") && KS_IS_PHOTO_GRID (widget))
    return drag_export (KS_PHOTO_GRID (widget), argument);
  else if (g_str_equal (verb, "scroll"))
    return ks_test_hooks_perf_scroll (widget, argument);
  else if (g_str_equal (verb, "malloc-trim"))
    return ks_test_hooks_perf_trim ();
  else
    return FALSE;
  return TRUE;
}

static void
widget_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  const char *selector, *verb, *argument;
  GtkWidget  *widget;

  g_variant_get (parameter, "(&s&s&s)", &selector, &verb, &argument);
  widget = find_widget (selector);
  if (widget == NULL)
    g_warning ("test-widget: nothing visible matches “%s”", selector);
  else if (!act (widget, verb, argument))
    g_warning ("test-widget: “%s” on %s “%s” did nothing", verb, G_OBJECT_TYPE_NAME (widget), selector);
}

void
ks_test_hooks_install (KsApplication *app)
{
  g_autoptr (GSimpleAction) state = NULL;
  g_autoptr (GSimpleAction) widget = NULL;

  g_return_if_fail (KS_IS_APPLICATION (app));

  state = g_simple_action_new_stateful ("test-state", NULL, g_variant_new ("a{sv}", NULL));
  g_signal_connect_object (state, "activate", G_CALLBACK (state_activated), app, 0);
  g_action_map_add_action (G_ACTION_MAP (app), G_ACTION (state));

  widget = g_simple_action_new ("test-widget", G_VARIANT_TYPE ("(sss)"));
  g_signal_connect (widget, "activate", G_CALLBACK (widget_activated), NULL);
  g_action_map_add_action (G_ACTION_MAP (app), G_ACTION (widget));

  ks_test_hooks_perf_install (app);
}
