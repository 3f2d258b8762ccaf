# Students' nbgrader configuration in the singleuser image (JUPYTER_CONFIG_PATH points here).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "async-django-hands-on"
# The exchange: one NFS volume mounted in every user's pod and in the formgrader's (values.yaml).
c.Exchange.root = "/srv/nbgrader/exchange"
