/* Links the installed core alone (pkg-config banklink, banklink::core). */
#include <stdio.h>
#include <string.h>

#include "banklink.h"

int main(void)
{
    printf("core: %s\n", bl_status_str(BL_OK));
    return strcmp(bl_status_str(BL_ERR_DECODE), "BL_ERR_DECODE") != 0;
}
