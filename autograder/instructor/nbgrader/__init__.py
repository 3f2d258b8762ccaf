"""nbgrader plug-ins of the course (preprocessors and hooks), named in nbgrader_config.py."""
