/* ks-sync-network.c: offline, back online, metered networks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-cloud-error.h"
#include "ks-sync-engine-private.h"

#define PROBE_MAX_MS 30000

static void probe (KsSyncEngine *self);

static gboolean
probe_cb (gpointer user_data)
{
  KsSyncEngine *self = user_data;

  self->probe_id = 0;
  probe (self);
  return G_SOURCE_REMOVE;
}

static void
probe_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (KsSyncEngine) self = user_data;
  g_autoptr (GError) error = NULL;

  self->probing = FALSE;
  if (!ks_api_client_get_me_finish (KS_API_CLIENT (source), result, NULL, NULL, &error))
    {
      if (!self->started || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (!g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK) && !ks_cloud_error_is_transient (error))
        {
          ks_sync_engine_set_fatal (self, error);
          return;
        }
      self->probe_delay_ms = MIN (self->probe_delay_ms * 2, PROBE_MAX_MS);
      self->probe_id = g_timeout_add (self->probe_delay_ms, probe_cb, self);
      return;
    }
  if (!self->started)
    return;
  g_debug ("The server is back");
  self->offline = FALSE;
  ks_sync_engine_set_last_error (self, self->battery_message);
  ks_sync_queue_pump (self);
  ks_sync_engine_update_state (self);
}

static void
probe (KsSyncEngine *self)
{
  if (self->probing || !self->started)
    return;
  self->probing = TRUE;
  ks_api_client_get_me_async (self->api, NULL, probe_done_cb, g_object_ref (self));
}

void
ks_sync_engine_go_offline (KsSyncEngine *self,
                           const GError *error)
{
  if (self->offline)
    return;
  g_debug ("Offline: %s", error->message);
  self->offline = TRUE;
  ks_sync_engine_set_last_error (self, error->message);
  self->probe_delay_ms = 500;
  g_clear_handle_id (&self->probe_id, g_source_remove);
  self->probe_id = g_timeout_add (self->probe_delay_ms, probe_cb, self);
  ks_sync_engine_update_state (self);
  ks_sync_engine_complete_sync_tasks (self, error);
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    KsSyncEngine    *self)
{
  gboolean metered = g_network_monitor_get_network_metered (monitor);

  if (metered != self->metered)
    {
      self->metered = metered;
      ks_sync_queue_pump (self);
    }
  /* Only a hint: a loopback or LAN server may be reachable without a
   * default route, so the probe decides. */
  if (self->offline && available)
    {
      g_clear_handle_id (&self->probe_id, g_source_remove);
      self->probe_delay_ms = 500;
      probe (self);
    }
  ks_sync_engine_update_state (self);
}

static void
metered_changed_cb (KsSyncEngine *self)
{
  network_changed_cb (self->network, g_network_monitor_get_network_available (self->network), self);
}

void
ks_sync_engine_watch_network (KsSyncEngine *self,
                              gboolean      watch)
{
  if (watch && self->network == NULL)
    {
      self->network = g_object_ref (g_network_monitor_get_default ());
      self->metered = g_network_monitor_get_network_metered (self->network);
      g_signal_connect (self->network, "network-changed", G_CALLBACK (network_changed_cb), self);
      /* GLib's NetworkManager monitor (2.74) says only this when a
       * network stops or starts being metered. */
      g_signal_connect_swapped (self->network, "notify::network-metered", G_CALLBACK (metered_changed_cb), self);
    }
  else if (!watch && self->network != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->network, self);
      g_clear_object (&self->network);
    }
  if (!watch)
    {
      g_clear_handle_id (&self->probe_id, g_source_remove);
      self->offline = FALSE;
    }
}
