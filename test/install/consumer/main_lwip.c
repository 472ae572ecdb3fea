/* Links the installed lwIP socket port and the lwIP it was found with. */
#include <stdio.h>

#include "banklink.h"
#include "bl_lwip.h"

int main(void)
{
    bl_lwip_socket_t sock;
    bl_transport_t tcp;
    bl_clock_t clock;
    bl_lwip_transport_init(&tcp, &sock);
    bl_lwip_clock_init(&clock);
    printf("lwip: transport %s\n", tcp.connect != NULL ? "ready" : "missing");
    return tcp.connect == NULL;
}
