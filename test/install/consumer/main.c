/* Links the installed library and prints the status names it finds. */
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
    printf("%s %s\n", bl_status_str(BL_OK), bl_status_str(BL_ERR_OUTCOME_UNKNOWN));
    return strcmp(bl_status_str(BL_ERR_TIMEOUT), "BL_ERR_TIMEOUT") != 0;
}
