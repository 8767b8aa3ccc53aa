/* test-fake-nm.h: a fake org.freedesktop.NetworkManager on a test bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * It exports what GIO's NetworkManager monitor (gio/gnetworkmonitornm.c)
 * reads: the name owned, then State, Connectivity and Metered of the
 * manager, cached from GetAll and kept up by PropertiesChanged. Without
 * the name or Connectivity GIO falls back to its netlink monitor, which
 * never says metered, and says nothing: the fake counts the reads so a
 * test can tell it was asked. Like test-fake-upower.h, it answers from a
 * thread of its own (test-fake-service.h); header-only, static.
 */
#pragma once

#include "test-fake-service.h"

#define FAKE_NM_NAME "org.freedesktop.NetworkManager"
#define FAKE_NM_PATH "/org/freedesktop/NetworkManager"
#define FAKE_NM_IFACE "org.freedesktop.NetworkManager"

/* NMState, NMConnectivityState and NMMetered. GIO reads Metered only
 * in CONNECTED_GLOBAL; YES and GUESS_YES are metered, the rest not. */
enum
{
  FAKE_NM_STATE_CONNECTED_GLOBAL = 70,
  FAKE_NM_CONNECTIVITY_FULL = 4,
  FAKE_NM_METERED_YES = 1,
  FAKE_NM_METERED_NO = 2,
  FAKE_NM_METERED_GUESS_YES = 3,
  FAKE_NM_METERED_GUESS_NO = 4,
};

typedef struct
{
  FakeService service; /* first: a FakeService * is a FakeNM * */
  guint       reads;   /* under service.mutex: properties read by clients */

  /* Only touched in the thread, once it runs. */
  guint32 metered;
} FakeNM;

static const char fake_nm_xml[] = "<node>"
                                  "  <interface name='" FAKE_NM_IFACE "'>"
                                  "    <property name='State' type='u' access='read'/>"
                                  "    <property name='Connectivity' type='u' access='read'/>"
                                  "    <property name='Metered' type='u' access='read'/>"
                                  "  </interface>"
                                  "</node>";

static G_GNUC_UNUSED GVariant *
fake_nm_get_property (GDBusConnection *connection,
                      const char      *sender,
                      const char      *object_path,
                      const char      *interface_name,
                      const char      *property_name,
                      GError         **error,
                      gpointer         user_data)
{
  FakeNM *fake = user_data;

  g_mutex_lock (&fake->service.mutex);
  fake->reads++;
  g_mutex_unlock (&fake->service.mutex);
  if (g_str_equal (property_name, "State"))
    return g_variant_new_uint32 (FAKE_NM_STATE_CONNECTED_GLOBAL);
  if (g_str_equal (property_name, "Connectivity"))
    return g_variant_new_uint32 (FAKE_NM_CONNECTIVITY_FULL);
  if (g_str_equal (property_name, "Metered"))
    return g_variant_new_uint32 (fake->metered);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", property_name);
  return NULL;
}

/* Connected, fully, with @metered, on the bus at @address; returns once
 * the name is owned. */
static G_GNUC_UNUSED FakeNM *
fake_nm_new (const char *address,
             guint32     metered)
{
  FakeNM *fake = g_new0 (FakeNM, 1);

  fake->metered = metered;
  fake_service_start (&fake->service, address, FAKE_NM_NAME, FAKE_NM_PATH, fake_nm_xml, fake_nm_get_property, fake,
                      "fake-nm");
  return fake;
}

/* As NetworkManager does: the new value, then PropertiesChanged with it. */
static G_GNUC_UNUSED void
fake_nm_set_metered_in_thread (FakeService *service,
                               gpointer     data)
{
  FakeNM         *fake = (FakeNM *) service;
  guint32         metered = GPOINTER_TO_UINT (data);
  GVariantBuilder changed;

  fake->metered = metered;
  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&changed, "{sv}", "Metered", g_variant_new_uint32 (metered));
  fake_service_emit_changed (service, FAKE_NM_IFACE, &changed);
}

static G_GNUC_UNUSED void
fake_nm_set_metered (FakeNM *fake,
                     guint32 metered)
{
  fake_service_call (&fake->service, fake_nm_set_metered_in_thread, GUINT_TO_POINTER (metered));
}

/* How many properties clients have read so far. */
static G_GNUC_UNUSED guint
fake_nm_get_reads (FakeNM *fake)
{
  guint reads;

  g_mutex_lock (&fake->service.mutex);
  reads = fake->reads;
  g_mutex_unlock (&fake->service.mutex);
  return reads;
}

static G_GNUC_UNUSED void
fake_nm_free (FakeNM *fake)
{
  fake_service_stop (&fake->service);
  g_free (fake);
}
