from citysteward.cli import main

main()
