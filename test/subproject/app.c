/* A parent project's program: links banklink's core and POSIX port. */
#include <stdio.h>
#include <string.h>

#include "banklink.h"
#include "bl_posix.h"

int main(void)
{
    bl_posix_socket_t sock;
    bl_transport_t tcp;
    bl_clock_t clock;
    bl_posix_transport_init(&tcp, &sock);
    bl_posix_clock_init(&clock);
    printf("parent app: %s\n", bl_status_str(BL_OK));
    return strcmp(bl_status_str(BL_ERR_TIMEOUT), "BL_ERR_TIMEOUT") != 0;
}
