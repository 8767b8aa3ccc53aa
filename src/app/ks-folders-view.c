/* ks-folders-view.c: the Folders page, watched folders and what failed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ks-folders-view.h"
#include "ks-sync-error.h"

/* Reads of the journal, at most this often while the engine works. */
#define REFRESH_INTERVAL_MS 500

struct _KsFoldersView
{
  GtkWidget parent_instance;

  KsSyncEngine      *engine;   /* nullable */
  KsApiClient       *api;      /* nullable */
  KsFoldersSnapshot *snapshot; /* nullable: not read yet */
  GCancellable      *cancellable;
  guint              refresh_id;
  gint64             last_read; /* monotonic µs */
  gboolean           reading;
  gboolean           read_again;
  char              *rows_key;     /* the folder ids the rows show */
  char              *failures_key; /* the failures the rows show */
  GHashTable        *album_names;  /* album id -> name, of all my albums */
  GHashTable        *own_names;    /* names of the albums I own */
  gboolean           albums_loaded;
  gboolean           albums_loading;
  gboolean           albums_again; /* list again once this listing ends */
  GHashTable        *albums_asked; /* album ids not found after a reload */

  GtkStack            *stack;
  AdwStatusPage       *unavailable_page;
  GtkWidget           *start_over_button;
  AdwPreferencesGroup *folders_group;
  GtkListBox          *folders_list;
  AdwPreferencesGroup *failed_group;
  GtkListBox          *failed_list;
};

G_DEFINE_FINAL_TYPE (KsFoldersView, ks_folders_view, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_TOAST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void queue_refresh (KsFoldersView *self);

static void
toast (KsFoldersView *self,
       const char    *message)
{
  g_signal_emit (self, signals[SIGNAL_TOAST], 0, message);
}

/* --- Album names */

static void update_rows (KsFoldersView *self);
static void load_albums (KsFoldersView *self);

static void
albums_listed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KsFoldersView) self = user_data;
  g_autoptr (GPtrArray) albums = NULL;
  g_autoptr (GError) error = NULL;

  albums = ks_api_client_list_albums_finish (KS_API_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->stack == NULL)
    return;
  self->albums_loading = FALSE;
  if (self->albums_again)
    {
      self->albums_again = FALSE;
      load_albums (self);
    }
  if (albums == NULL)
    {
      g_debug ("Album names for the folders: %s", error->message);
      return;
    }
  g_ptr_array_set_free_func (albums, (GDestroyNotify) ks_album_free);
  g_hash_table_remove_all (self->album_names);
  g_hash_table_remove_all (self->own_names);
  for (guint i = 0; i < albums->len; i++)
    {
      KsAlbum *album = g_ptr_array_index (albums, i);

      g_hash_table_insert (self->album_names, g_strdup (album->id), g_strdup (album->name));
      if (g_strcmp0 (album->role, "owner") == 0)
        g_hash_table_add (self->own_names, g_strdup (album->name));
    }
  self->albums_loaded = TRUE;
  update_rows (self);
}

static void
load_albums (KsFoldersView *self)
{
  if (self->api == NULL)
    return;
  if (self->albums_loading)
    {
      self->albums_again = TRUE;
      return;
    }
  self->albums_loading = TRUE;
  ks_api_client_list_albums_async (self->api, self->cancellable, albums_listed_cb, g_object_ref (self));
}

/* An album made since the names were listed (a folder's new album):
 * list them again, once per unknown id. */
static void
check_album_names (KsFoldersView *self)
{
  gboolean unknown = FALSE;

  for (guint i = 0; self->snapshot != NULL && i < self->snapshot->folders->len; i++)
    {
      KsFolderInfo *info = g_ptr_array_index (self->snapshot->folders, i);

      if (info->album == KS_SYNC_ALBUM_ID && !g_hash_table_contains (self->album_names, info->album_value) &&
          !g_hash_table_contains (self->albums_asked, info->album_value))
        {
          g_hash_table_add (self->albums_asked, g_strdup (info->album_value));
          unknown = TRUE;
        }
    }
  if (unknown)
    load_albums (self);
}

/* The album's name as the row shows it, "" for none; sets @out_text. */
static const char *
album_name (KsFoldersView      *self,
            const KsFolderInfo *info,
            char              **out_text)
{
  g_autofree char *base = g_path_get_basename (info->path);
  const char      *name;

  switch (info->album)
    {
    case KS_SYNC_ALBUM_NAMED:
      if (g_hash_table_contains (self->own_names, info->album_value))
        *out_text = g_strdup_printf (_ ("Into “%s”"), info->album_value);
      else if (g_strcmp0 (info->album_value, base) == 0)
        *out_text = g_strdup (_ ("Into a new album named after the folder"));
      else
        *out_text = g_strdup_printf (_ ("Into a new album named “%s”"), info->album_value);
      return info->album_value;
    case KS_SYNC_ALBUM_ID:
      name = g_hash_table_lookup (self->album_names, info->album_value);
      if (name != NULL)
        *out_text = g_strdup_printf (_ ("Into “%s”"), name);
      else if (self->albums_loaded && !self->albums_loading)
        *out_text = g_strdup (_ ("Into an album you no longer have"));
      else
        *out_text = g_strdup (_ ("Into an album"));
      return name != NULL ? name : "";
    case KS_SYNC_ALBUM_NONE:
    case KS_SYNC_ALBUM_DEFAULT:
    default:
      *out_text = g_strdup (_ ("No album"));
      return "";
    }
}

/* --- Rows */

static char *
display_path (const char *path)
{
  const char *home = g_get_home_dir ();
  gsize       len = strlen (home);

  if (strncmp (path, home, len) == 0 && path[len] == '/')
    return g_strconcat ("~", path + len, NULL);
  return g_strdup (path);
}

static char *
counts_text (const KsFolderInfo *info)
{
  g_autoptr (GStrvBuilder) parts = g_strv_builder_new ();
  g_auto (GStrv) strv = NULL;
  g_autofree char *synced = NULL;
  g_autofree char *waiting = NULL;
  g_autofree char *failed = NULL;

  /* Translators: "120 photos synced · 3 waiting · 1 failed" */
  synced = g_strdup_printf (ngettext ("%" G_GUINT64_FORMAT " photo synced", "%" G_GUINT64_FORMAT " photos synced",
                                      (gulong) MIN (info->done, G_MAXULONG)),
                            info->done);
  g_strv_builder_add (parts, synced);
  if (info->waiting > 0)
    {
      waiting = g_strdup_printf (_ ("%" G_GUINT64_FORMAT " waiting"), info->waiting);
      g_strv_builder_add (parts, waiting);
    }
  if (info->failed > 0)
    {
      failed = g_strdup_printf (_ ("%" G_GUINT64_FORMAT " failed"), info->failed);
      g_strv_builder_add (parts, failed);
    }
  strv = g_strv_builder_end (parts);
  return g_strjoinv (" · ", strv);
}

static GtkWidget *
folder_row_new (const KsFolderInfo *info)
{
  GtkWidget       *row = adw_action_row_new ();
  GtkWidget       *icon = gtk_image_new_from_icon_name ("folder-symbolic");
  GtkWidget       *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *name = g_path_get_basename (info->path);
  g_autofree char *tooltip = g_strdup_printf (_ ("Stop Syncing “%s”…"), name);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, tooltip);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (remove), "folders.remove");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (remove), g_variant_new_string (info->path));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  g_object_set_data (G_OBJECT (row), "ks-icon", icon);
  return row;
}

static void
update_folder_row (KsFoldersView      *self,
                   GtkWidget          *row,
                   const KsFolderInfo *info)
{
  GtkImage        *icon = g_object_get_data (G_OBJECT (row), "ks-icon");
  g_autofree char *path = display_path (info->path);
  g_autofree char *album = NULL;
  g_autofree char *counts = counts_text (info);
  g_autofree char *subtitle = NULL;
  gboolean         unavailable = info->missing || info->paused;

  album_name (self, info, &album);
  if (unavailable)
    /* Translators: second line of a folder whose disk is not there */
    subtitle = g_strdup_printf (_ ("%s\nUnavailable: %s"), path,
                                info->pause_reason != NULL ? info->pause_reason : _ ("the folder is missing"));
  else
    subtitle = g_strdup_printf ("%s\n%s · %s", path, album, counts);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_tooltip_text (row, unavailable ? _ ("Syncing goes on when the folder is back; nothing is "
                                                     "forgotten meanwhile.")
                                                : NULL);
  gtk_image_set_from_icon_name (icon, unavailable ? "dialog-warning-symbolic" : "folder-symbolic");
  if (unavailable)
    gtk_widget_add_css_class (GTK_WIDGET (icon), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (icon), "warning");
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static void
update_folder_rows (KsFoldersView *self)
{
  GPtrArray *folders = self->snapshot->folders;
  GString   *key = g_string_new (NULL);
  GtkWidget *row;
  guint      i = 0;

  for (guint j = 0; j < folders->len; j++)
    g_string_append_printf (key, "%" G_GINT64_FORMAT ",", ((KsFolderInfo *) folders->pdata[j])->id);
  /* Rows are made again only when folders come or go, so a button the
   * user is on stays where it is while counts change. */
  if (g_strcmp0 (key->str, self->rows_key) != 0)
    {
      clear_list (self->folders_list);
      for (guint j = 0; j < folders->len; j++)
        gtk_list_box_append (self->folders_list, folder_row_new (folders->pdata[j]));
      g_free (self->rows_key);
      self->rows_key = g_string_free (key, FALSE);
    }
  else
    g_string_free (key, TRUE);

  for (row = gtk_widget_get_first_child (GTK_WIDGET (self->folders_list)); row != NULL && i < folders->len;
       row = gtk_widget_get_next_sibling (row))
    update_folder_row (self, row, folders->pdata[i++]);
}

/* A button of a failed file's row: @action on its id. */
static GtkWidget *
add_file_button (GtkWidget  *row,
                 const char *label,
                 const char *action,
                 gint64      file_id)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_int64 (file_id));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return button;
}

static GtkWidget *
failure_row_new (const KsFolderFailure *failure)
{
  GtkWidget       *row = adw_action_row_new ();
  GtkWidget       *ignore;
  g_autofree char *name = g_path_get_basename (failure->path);
  g_autofree char *path = display_path (failure->path);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), failure->message != NULL ? failure->message : "");
  gtk_widget_set_tooltip_text (row, path);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("image-missing-symbolic"));
  add_file_button (row, _ ("_Retry"), "folders.retry", failure->file_id);
  /* Until the file changes, or, dropped, is dropped again. */
  ignore = add_file_button (row, _ ("_Ignore"), "folders.ignore", failure->file_id);
  gtk_widget_set_tooltip_text (ignore, _ ("Stop trying to upload this file"));
  return row;
}

static void
update_failure_rows (KsFoldersView *self)
{
  GPtrArray *failures = self->snapshot->failures;
  GString   *key = g_string_new (NULL);

  for (guint i = 0; i < failures->len; i++)
    {
      KsFolderFailure *failure = g_ptr_array_index (failures, i);

      g_string_append_printf (key, "%" G_GINT64_FORMAT "|%s\n", failure->file_id, failure->message);
    }
  if (g_strcmp0 (key->str, self->failures_key) != 0)
    {
      clear_list (self->failed_list);
      for (guint i = 0; i < failures->len; i++)
        gtk_list_box_append (self->failed_list, failure_row_new (g_ptr_array_index (failures, i)));
      g_free (self->failures_key);
      self->failures_key = g_strdup (key->str);
    }
  g_string_free (key, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->failed_group), failures->len > 0);
}

static void
update_description (KsFoldersView *self)
{
  const char *description = NULL;

  if (self->engine != NULL && ks_sync_engine_get_paused (self->engine))
    description = _ ("Syncing is paused. New photos wait until you resume.");
  else if (self->engine != NULL && ks_sync_engine_get_state (self->engine) == KS_SYNC_STATE_OFFLINE)
    description = ks_sync_engine_get_last_error (self->engine);
  adw_preferences_group_set_description (self->folders_group, description);
}

static void
update_rows (KsFoldersView *self)
{
  if (self->engine == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "unavailable");
      return;
    }
  if (self->snapshot == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "loading");
      return;
    }
  update_description (self);
  update_folder_rows (self);
  update_failure_rows (self);
  gtk_stack_set_visible_child_name (self->stack, self->snapshot->folders->len > 0 ||
                                                         self->snapshot->failures->len > 0
                                                     ? "list"
                                                     : "empty");
}

/* --- Reading the journal */

static void
snapshot_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KsFoldersView) self = user_data;
  g_autoptr (KsFoldersSnapshot) snapshot = NULL;
  g_autoptr (GError) error = NULL;

  snapshot = ks_folders_snapshot_read_finish (result, &error);
  /* Cancelled: the engine changed, and a read of the new one may run. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->stack == NULL)
    return;
  self->reading = FALSE;
  if (snapshot == NULL)
    g_warning ("Could not read the synced folders: %s", error->message);
  else
    {
      g_clear_pointer (&self->snapshot, ks_folders_snapshot_free);
      self->snapshot = g_steal_pointer (&snapshot);
      update_rows (self);
      check_album_names (self);
    }
  if (self->read_again)
    {
      self->read_again = FALSE;
      queue_refresh (self);
    }
}

static gboolean
refresh_cb (gpointer user_data)
{
  KsFoldersView *self = user_data;

  self->refresh_id = 0;
  if (self->engine == NULL)
    return G_SOURCE_REMOVE;
  self->reading = TRUE;
  self->last_read = g_get_monotonic_time ();
  ks_folders_snapshot_read_async (ks_sync_engine_get_journal (self->engine), self->cancellable, snapshot_read_cb,
                                  g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
queue_refresh (KsFoldersView *self)
{
  gint64 wait_ms;

  if (self->engine == NULL)
    return;
  if (self->reading)
    {
      self->read_again = TRUE;
      return;
    }
  if (self->refresh_id != 0)
    return;
  wait_ms = (self->last_read - g_get_monotonic_time ()) / 1000 + REFRESH_INTERVAL_MS;
  self->refresh_id = g_timeout_add ((guint) CLAMP (wait_ms, 0, REFRESH_INTERVAL_MS), refresh_cb, self);
}

static void
engine_paused_cb (KsFoldersView *self)
{
  if (self->snapshot != NULL)
    update_description (self);
  queue_refresh (self);
}

/* --- Actions */

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    KsFoldersView    *self)
{
  const char *path = g_object_get_data (G_OBJECT (dialog), "ks-path");
  g_autoptr (GFile) folder = NULL;
  g_autoptr (GError) error = NULL;

  if (!g_str_equal (response, "remove") || self->engine == NULL)
    return;
  folder = g_file_new_for_path (path);
  if (!ks_sync_engine_remove_folder (self->engine, folder, &error))
    toast (self, error->message);
  queue_refresh (self);
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  KsFoldersView   *self = KS_FOLDERS_VIEW (widget);
  const char      *path = g_variant_get_string (parameter, NULL);
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *heading = g_strdup_printf (_ ("Stop Syncing “%s”?"), name);
  GtkWidget       *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), heading,
                                   _ ("New photos in this folder will no longer be uploaded. Photos already "
                                      "uploaded stay in Keepsake, and nothing in the folder is touched."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "remove",
                                    _ ("_Stop Syncing"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "ks-path", g_strdup (path), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* "folders.retry" and "folders.ignore", of one failed file. */
static void
failed_file_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  KsFoldersView *self = KS_FOLDERS_VIEW (widget);
  gint64         file_id = g_variant_get_int64 (parameter);
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (self->engine == NULL)
    return;
  if (g_str_equal (action_name, "folders.ignore"))
    ok = ks_sync_engine_dismiss (self->engine, file_id, &error);
  else
    ok = ks_sync_engine_retry (self->engine, file_id, &error);
  if (!ok)
    toast (self, error->message);
  queue_refresh (self);
}

/* --- GObject */

static void
ks_folders_view_dispose (GObject *object)
{
  KsFoldersView *self = KS_FOLDERS_VIEW (object);

  /* Reads and listings still under way hold a reference, and must not
   * touch the rows after this. */
  g_cancellable_cancel (self->cancellable);
  ks_folders_view_set_engine (self, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_FOLDERS_VIEW);

  G_OBJECT_CLASS (ks_folders_view_parent_class)->dispose (object);
}

static void
ks_folders_view_finalize (GObject *object)
{
  KsFoldersView *self = KS_FOLDERS_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->snapshot, ks_folders_snapshot_free);
  g_clear_pointer (&self->album_names, g_hash_table_unref);
  g_clear_pointer (&self->own_names, g_hash_table_unref);
  g_clear_pointer (&self->albums_asked, g_hash_table_unref);
  g_free (self->rows_key);
  g_free (self->failures_key);

  G_OBJECT_CLASS (ks_folders_view_parent_class)->finalize (object);
}

static void
ks_folders_view_class_init (KsFoldersViewClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_folders_view_dispose;
  object_class->finalize = ks_folders_view_finalize;

  signals[SIGNAL_TOAST] = g_signal_new ("toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                        NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/keepsake/Keepsake/ui/ks-folders-view.ui");
  gtk_widget_class_bind_template_child (widget_class, KsFoldersView, stack);
  gtk_widget_class_bind_template_child (widget_class, KsFoldersView, unavailable_page);
  gtk_widget_class_bind_template_child (widget_class, KsFoldersView, start_over_button);
  gtk_widget_class_bind_template_child (widget_class, KsFoldersView, folders_group);
  gtk_widget_class_bind_template_child (widget_class, KsFoldersView, folders_list);
  gtk_widget_class_bind_template_child (widget_class, KsFoldersView, failed_group);
  gtk_widget_class_bind_template_child (widget_class, KsFoldersView, failed_list);
  gtk_widget_class_install_action (widget_class, "folders.remove", "s", remove_action);
  gtk_widget_class_install_action (widget_class, "folders.retry", "x", failed_file_action);
  gtk_widget_class_install_action (widget_class, "folders.ignore", "x", failed_file_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ks_folders_view_init (KsFoldersView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->album_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->own_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->albums_asked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* Another process (keepsake-cli sync add) may have changed the list. */
  g_signal_connect (self, "map", G_CALLBACK (queue_refresh), NULL);
  update_rows (self);
}

/* --- Public */

void
ks_folders_view_set_engine (KsFoldersView *self,
                            KsSyncEngine  *engine,
                            KsApiClient   *api)
{
  g_return_if_fail (KS_IS_FOLDERS_VIEW (self));
  g_return_if_fail (engine == NULL || KS_IS_SYNC_ENGINE (engine));
  g_return_if_fail (api == NULL || KS_IS_API_CLIENT (api));

  if (self->engine == engine && self->api == api)
    return;
  if (self->engine != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->engine, self);
      g_signal_handlers_disconnect_by_data (ks_sync_engine_get_activity (self->engine), self);
    }
  g_cancellable_cancel (self->cancellable);
  g_set_object (&self->cancellable, g_cancellable_new ());
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  self->reading = self->read_again = FALSE;
  self->albums_loading = self->albums_loaded = self->albums_again = FALSE;
  self->last_read = 0;
  g_clear_pointer (&self->snapshot, ks_folders_snapshot_free);
  g_clear_pointer (&self->rows_key, g_free);
  g_clear_pointer (&self->failures_key, g_free);
  clear_list (self->folders_list);
  clear_list (self->failed_list);
  g_hash_table_remove_all (self->album_names);
  g_hash_table_remove_all (self->own_names);
  g_hash_table_remove_all (self->albums_asked);
  g_set_object (&self->engine, engine);
  g_set_object (&self->api, api);

  if (engine != NULL)
    {
      const char *props[] = { "notify::n-queued", "notify::n-done", "notify::n-failed", "notify::state" };

      for (guint i = 0; i < G_N_ELEMENTS (props); i++)
        g_signal_connect_swapped (engine, props[i], G_CALLBACK (queue_refresh), self);
      g_signal_connect_swapped (engine, "notify::paused", G_CALLBACK (engine_paused_cb), self);
      g_signal_connect_swapped (engine, "notify::last-error", G_CALLBACK (engine_paused_cb), self);
      g_signal_connect_swapped (engine, "scan-finished", G_CALLBACK (queue_refresh), self);
      /* Folders paused or resumed when their disk goes or comes. */
      g_signal_connect_swapped (ks_sync_engine_get_activity (engine), "items-changed", G_CALLBACK (queue_refresh),
                                self);
      queue_refresh (self);
    }
  load_albums (self);
  update_rows (self);
}

void
ks_folders_view_refresh (KsFoldersView *self)
{
  g_return_if_fail (KS_IS_FOLDERS_VIEW (self));

  queue_refresh (self);
}

gboolean
ks_folders_view_is_watched (KsFoldersView *self,
                            const char    *path)
{
  g_return_val_if_fail (KS_IS_FOLDERS_VIEW (self), FALSE);

  return ks_folders_snapshot_covers (self->snapshot, path);
}

GStrv
ks_folders_view_dup_summary (KsFoldersView *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (KS_IS_FOLDERS_VIEW (self), NULL);

  for (guint i = 0; self->snapshot != NULL && i < self->snapshot->folders->len; i++)
    {
      KsFolderInfo    *info = g_ptr_array_index (self->snapshot->folders, i);
      g_autofree char *text = NULL;
      const char      *name = album_name (self, info, &text);
      g_autofree char *line = g_strdup_printf ("%s|%s|%" G_GUINT64_FORMAT "|%" G_GUINT64_FORMAT
                                               "|%" G_GUINT64_FORMAT,
                                               info->path, name, info->done, info->waiting, info->failed);

      g_strv_builder_add (builder, line);
    }
  return g_strv_builder_end (builder);
}

GStrv
ks_folders_view_dup_failures (KsFoldersView *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (KS_IS_FOLDERS_VIEW (self), NULL);

  for (guint i = 0; self->snapshot != NULL && i < self->snapshot->failures->len; i++)
    {
      KsFolderFailure *failure = g_ptr_array_index (self->snapshot->failures, i);
      g_autofree char *line = g_strdup_printf ("%s|%s", failure->path, failure->message);

      g_strv_builder_add (builder, line);
    }
  return g_strv_builder_end (builder);
}

void
ks_folders_view_set_journal_error (KsFoldersView *self,
                                   const GError  *error)
{
  gboolean         damaged = g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL_DAMAGED);
  g_autofree char *description = NULL;

  g_return_if_fail (KS_IS_FOLDERS_VIEW (self));

  if (damaged)
    description = g_strdup (_ ("The list of synced folders is damaged. Start over to read your folders "
                               "again: photos already uploaded are recognized, not sent twice. The damaged "
                               "list is kept beside the new one."));
  else if (error != NULL)
    /* Translators: the first %s is why, a sentence */
    description = g_strdup_printf (_ ("%s Photos you add by hand still upload."), error->message);
  else
    description = g_strdup (_ ("The list of synced folders could not be opened. Photos you add by hand "
                               "still upload."));
  adw_status_page_set_description (self->unavailable_page, description);
  gtk_widget_set_visible (self->start_over_button, damaged);
}
