#include "cli/app.h"

int main(int argc, char** argv) { return spur::cli::Run(argc, argv); }
