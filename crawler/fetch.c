#include "crawler/fetch.h"
